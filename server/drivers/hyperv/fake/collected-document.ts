/**
 * A Hyper-V collector document as Collect-MigawkaInventory.ps1 writes it, built by the fake host's
 * own scripts (the tests of the document and of importing it share it).
 */

import { HYPERV_COLLECTION_FORMAT } from '../hyperv-collection';
import { mapHost, vmInventoryId } from '../hyperv-discovery';
import { guestFactsSchema, hostFactsSchema, vmListSchema } from '../hyperv-records';
import { createFakeEstate, GUEST_PASSWORD, GUEST_USER, SQL01 } from './fake-estate';
import { FAKE_SCRIPTS } from './fake-scripts';
import { convertToJson, pipelineValue } from './ps-json';

/** What the collector's main block builds on the fake host: SQL01's guest read, the others not. */
export function collectedAsPowerShellWould() {
  const estate = createFakeEstate(4096);
  const { model } = estate;
  const host = FAKE_SCRIPTS['host-facts'](model, {});
  const vms = FAKE_SCRIPTS['list-vms'](model, {}) as { Id: string; Name: string }[];
  const guests = vms.map((vm) =>
    vm.Id === SQL01
      ? {
          vmId: vm.Id,
          facts: FAKE_SCRIPTS['guest-facts'](model, {
            vmId: vm.Id,
            user: GUEST_USER,
            password: GUEST_PASSWORD,
          }),
        }
      : { vmId: vm.Id, unknown: 'no guest credential was given to the collector' },
  );
  const document = {
    format: HYPERV_COLLECTION_FORMAT,
    version: 1,
    collectedAt: '2026-11-30T10:00:00.0000000Z',
    host,
    vms: pipelineValue(vms),
    guests: pipelineValue(guests),
  };
  const expected = mapHost({
    host: hostFactsSchema.parse(host),
    vms: vmListSchema.parse(vms),
    guests: guests.map((guest) =>
      'facts' in guest
        ? { vmId: vmInventoryId(guest.vmId), facts: guestFactsSchema.parse(guest.facts) }
        : { vmId: vmInventoryId(guest.vmId), unknown: guest.unknown },
    ),
  });
  estate.dispose();
  return { json: convertToJson(document, 10), expected };
}
