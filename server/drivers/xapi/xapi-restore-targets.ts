/**
 * The XAPI objects a restore as new writes into: a halted VM with one new VDI per stored disk, and
 * the ids the next pool sync will read them by.
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { RestoreDisksRequest, StoredPoint } from '../roles';
import type { XapiClient } from './xapi-client';
import { uuidOfXenId, xenId } from './xapi-discovery';

/** As new: a halted VM named `newVmName` with one new VDI per stored disk on the disk's SR. */
export async function newVmTargets(
  client: XapiClient,
  request: RestoreDisksRequest,
  point: StoredPoint,
  options: CallOptions,
) {
  const name = request.newVmName;
  if (!name)
    throw new DriverError('invalid-state', 'a restore as new needs a new VM name', { isRetryable: false });
  const existing = await client.call('VM.get_by_name_label', [name], z.array(z.string()), options);
  if (existing.length > 0) {
    throw new DriverError('invalid-state', `the pool already has a VM named ${name}`, {
      isRetryable: false,
    });
  }
  const vmRef = await client.call(
    'VM.create',
    [
      {
        name_label: name,
        name_description: `restored by Migawka from point ${point.restorePointId}`,
        other_config: { 'migawka-restore-point': point.restorePointId },
      },
    ],
    z.string(),
    options,
  );
  const targets = new Map<string, string>();
  for (const [index, file] of point.files.entries()) {
    const srUuid = uuidOfXenId(file.origin.hostVolumeId ?? '') ?? '';
    const srRef = await client.call('SR.get_by_uuid', [srUuid], z.string(), options);
    const vdiRef = await client.call(
      'VDI.create',
      [
        {
          name_label: `${name} disk ${index}`,
          SR: srRef,
          virtual_size: file.bytes,
          type: 'user',
          sharable: false,
          read_only: false,
          other_config: {},
        },
      ],
      z.string(),
      options,
    );
    await client.call(
      'VBD.create',
      [
        {
          VM: vmRef,
          VDI: vdiRef,
          userdevice: String(index),
          bootable: index === 0,
          mode: 'RW',
          type: 'Disk',
          empty: false,
        },
      ],
      z.string(),
      options,
    );
    targets.set(file.diskId, vdiRef);
  }
  return { vmRef, targets };
}

/**
 * The ids a pool sync reads the new VM and its VDIs by (`xen:<uuid>`), so the runner records the
 * VM under them and the next sync finds it instead of adding it a second time.
 */
export async function createdVmIds(
  client: XapiClient,
  created: { vmRef: string; targets: Map<string, string> },
  options: CallOptions,
): Promise<{ vmId: string; diskIds: Record<string, string> }> {
  const uuidOf = (ref: string, kind: 'VM' | 'VDI') =>
    client.call(`${kind}.get_uuid`, [ref], z.string(), options);
  const diskIds: Record<string, string> = {};
  for (const [pointDiskId, vdiRef] of created.targets)
    diskIds[pointDiskId] = xenId(await uuidOf(vdiRef, 'VDI'));
  return { vmId: xenId(await uuidOf(created.vmRef, 'VM')), diskIds };
}
