/**
 * What the guest hook and the host flush read from the pool before they go over SSH
 * (xapi-guest-hook.ts): where a VM's guest is reached, and which hosts have an SR plugged.
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { XapiClient } from './xapi-client';
import { uuidOfXenId } from './xapi-discovery';
import { GUEST_SSH_KEY, type GuestLookup, parseGuestAddress } from './xapi-guest-hook';
import {
  guestMetricsRecordSchema,
  hostRecordSchema,
  NULL_REF,
  pbdRecordSchema,
  srRecordSchema,
  vmRecordSchema,
} from './xapi-records';

/**
 * Where the guest hook reaches a VM: the admin's `migawka-guest-ssh` address, else the first
 * address its guest metrics report. Windows guests have no fsfreeze (and Xen's VSS provider went
 * with 8.1), so they have no hook.
 */
export async function guestLookup(
  client: XapiClient,
  vmId: string,
  options: CallOptions,
): Promise<GuestLookup> {
  const uuid = uuidOfXenId(vmId);
  if (!uuid) throw new DriverError('not-found', `${vmId} is not a XAPI VM id`, { isRetryable: false });
  const ref = await client.call('VM.get_by_uuid', [uuid], z.string(), options);
  const vm = await client.call('VM.get_record', [ref], vmRecordSchema, options);
  const configured = vm.other_config[GUEST_SSH_KEY];
  if (configured !== undefined) {
    const parsed = parseGuestAddress(configured);
    if (!parsed)
      return { missing: `${vm.name_label}'s ${GUEST_SSH_KEY} "${configured}" is not address[:port]` };
    return { target: { vmName: vm.name_label, ...parsed } };
  }
  if (vm.guest_metrics === NULL_REF)
    return { missing: `${vm.name_label} reports no guest metrics, so the guest hook has no address for it` };
  const metrics = await client.call(
    'VM_guest_metrics.get_record',
    [vm.guest_metrics],
    guestMetricsRecordSchema,
    options,
  );
  const os = `${metrics.os_version.name ?? ''} ${metrics.os_version.distro ?? ''}`;
  if (/windows/i.test(os))
    return { missing: `${vm.name_label} runs Windows: the Xen guest hook freezes Linux guests only` };
  // Guest metrics key addresses by `<device>/ip`, `<device>/ipv4/<n>`, `<device>/ipv6/<n>`.
  const address = Object.entries(metrics.networks)
    .sort(([a], [b]) => a.localeCompare(b))
    .find(([key]) => /\/ip$|\/ipv4\/\d+$/.test(key))?.[1];
  if (!address)
    return { missing: `${vm.name_label} reports no IP address, so the guest hook cannot reach it` };
  return { target: { vmName: vm.name_label, host: address, port: 22 } };
}

/** The SR's name and the hosts whose PBD for it is plugged (those whose dom0 caches its writes). */
export async function pluggedHosts(
  client: XapiClient,
  hostVolumeId: string,
  options: CallOptions,
): Promise<{ srName: string; hosts: { name: string; address: string }[] }> {
  const uuid = uuidOfXenId(hostVolumeId);
  if (!uuid)
    throw new DriverError('not-found', `${hostVolumeId} is not a XAPI SR id`, { isRetryable: false });
  const srRef = await client.call('SR.get_by_uuid', [uuid], z.string(), options);
  const sr = await client.call('SR.get_record', [srRef], srRecordSchema, options);
  const hosts: { name: string; address: string }[] = [];
  for (const pbdRef of sr.PBDs) {
    const pbd = await client.call('PBD.get_record', [pbdRef], pbdRecordSchema, options);
    if (!pbd.currently_attached) continue;
    const host = await client.call('host.get_record', [pbd.host], hostRecordSchema, options);
    hosts.push({ name: host.name_label, address: host.address });
  }
  return { srName: sr.name_label, hosts };
}
