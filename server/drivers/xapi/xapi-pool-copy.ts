/**
 * A restore as a new VM from a snapshot kept on the pool, over XAPI (xapi's datamodel, VM.copy; the
 * way Xen Orchestra's "create VM from snapshot" does it): `Async.VM.copy(snapshot, name, sr)` makes a
 * new VM whose disks are full copies (no CoW chain back to the snapshot) on the chosen SR, or on each
 * disk's own SR; the copy is still a template, as its snapshot was, so `VM.set_is_a_template(false)`
 * makes it a VM. Nothing that exists is touched: the snapshot and its VM (when there still is one)
 * stay as they are, which is why it is offered beside the revert and when the VM was deleted.
 * - the copy's task is journalled before waiting, so a restarted worker waits on the same task; a
 *   copy already made (found by name and its `migawka-copy-of` mark) is taken up, not made twice;
 * - the copy task's progress (task.progress, followed over event.from) is the step's progress, over
 *   the bytes of the snapshot's disks: the copy is most of the step's time;
 * - every disk of the copy is read back over `/export_raw_vdi` and compared with the point's hashes,
 *   or, as a pool point records none, with the snapshot's own disk read live;
 * - power: started when asked. A checkpoint's copy comes out suspended on a copy of the checkpoint's
 *   RAM: asked on, it is resumed from it; asked off, it is shut down (`VM.hard_shutdown` of a
 *   suspended VM destroys its suspend VDI, xapi_vm.ml), so no copy of a running machine's memory is
 *   left suspended where a later "start" would resume it by surprise, and its SR space comes back.
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
import type { PoolSnapshotCopied, PoolSnapshotCopyRequest } from '../pool-snapshots';
import type { XapiClient } from './xapi-client';
import { uuidOfXenId, xenId } from './xapi-discovery';
import { readBackVdi } from './xapi-read-back';
import { NULL_REF, type VmRecord, vbdRecordSchema, vdiRecordSchema, vmRecordSchema } from './xapi-records';

const COPY_MARK = 'migawka-copy-of';

/** The VM's disks by userdevice: the copy's disk N is the copy of the snapshot's disk N. */
async function disksByDevice(client: XapiClient, vm: VmRecord, options: CallOptions) {
  const vbds = await Promise.all(
    vm.VBDs.map((ref) => client.call('VBD.get_record', [ref], vbdRecordSchema, options)),
  );
  const disks = new Map<string, string>();
  for (const vbd of vbds) if (vbd.type === 'Disk' && vbd.VDI !== NULL_REF) disks.set(vbd.userdevice, vbd.VDI);
  return disks;
}

/** The copy made by an earlier run of this step, or null; another VM of that name is refused. */
async function earlierCopy(
  client: XapiClient,
  name: string,
  snapshotId: string,
  options: CallOptions,
): Promise<string | null> {
  const refs = await client.call('VM.get_by_name_label', [name], z.array(z.string()), options);
  for (const ref of refs) {
    const record = await client.call('VM.get_record', [ref], vmRecordSchema, options);
    if (record.is_a_snapshot) continue;
    if (record.other_config[COPY_MARK] === snapshotId) return ref;
    throw new DriverError('invalid-state', `the pool already has a VM named ${name}: choose another name`, {
      isRetryable: false,
    });
  }
  return null;
}

/** The bytes the copy writes: the virtual sizes of the snapshot's disks (its memory image aside). */
async function diskBytesOf(client: XapiClient, snapshot: VmRecord, options: CallOptions): Promise<number> {
  let total = 0;
  for (const vdiRef of (await disksByDevice(client, snapshot, options)).values()) {
    total += (await client.call('VDI.get_record', [vdiRef], vdiRecordSchema, options)).virtual_size;
  }
  return total;
}

/** Powers the verified copy as asked; a checkpoint's copy is never left suspended. */
async function powerCopy(
  client: XapiClient,
  copyRef: string,
  powerOn: boolean,
  options: CallOptions,
): Promise<PoolSnapshotCopied['power']> {
  const copy = await client.call('VM.get_record', [copyRef], vmRecordSchema, options);
  if (copy.power_state === 'Running') return 'started'; // an earlier run of the step powered it
  if (copy.power_state === 'Suspended') {
    await client.callAsync(
      powerOn ? 'VM.resume' : 'VM.hard_shutdown',
      powerOn ? [copyRef, false, false] : [copyRef],
      options,
    );
    return powerOn ? 'resumed' : 'memory-dropped';
  }
  if (!powerOn) return 'left-off';
  await client.callAsync('VM.start', [copyRef, false, false], options);
  return 'started';
}

/** The copy's disks compared with the point's hashes, else with the snapshot's disks read live. */
async function verifyCopy(
  client: XapiClient,
  snapshot: VmRecord,
  copy: VmRecord,
  request: PoolSnapshotCopyRequest,
  options: CallOptions,
) {
  const sources = await disksByDevice(client, snapshot, options);
  const copies = await disksByDevice(client, copy, options);
  const diskIds: Record<string, string> = {};
  let bytes = 0;
  for (const [device, sourceRef] of sources) {
    const source = await client.call('VDI.get_record', [sourceRef], vdiRecordSchema, options);
    const copyRef = copies.get(device);
    // A snapshot disk records the live disk it copies: the point names its disks by that one.
    const liveUuid =
      source.snapshot_of === NULL_REF
        ? source.uuid
        : await client
            .call('VDI.get_uuid', [source.snapshot_of], z.string(), options)
            .catch(() => source.uuid);
    const diskId = xenId(liveUuid);
    if (!copyRef) {
      throw new DriverError('data-corrupt', `the copy has no disk ${device} (${diskId}) of the snapshot`, {
        isRetryable: false,
      });
    }
    // A copy of a snapshot's disk has its virtual size: fewer bytes read back is a cut read.
    const readBack = (ref: string, what: string) =>
      readBackVdi(client, ref, source.virtual_size, `disk ${device} of ${what}`, options.signal);
    const written = await readBack(copyRef, request.newVmName);
    const expected = request.expectedSha256?.[diskId] ?? (await readBack(sourceRef, 'the snapshot')).sha256;
    if (written.sha256 !== expected) {
      throw new DriverError(
        'data-corrupt',
        `disk ${device} of ${request.newVmName} read back from the pool does not match the snapshot`,
        {
          isRetryable: false,
        },
      );
    }
    bytes += written.bytes;
    diskIds[diskId] = xenId(await client.call('VDI.get_uuid', [copyRef], z.string(), options));
  }
  return { diskIds, bytes };
}

export async function copyPoolSnapshot(
  client: XapiClient,
  snapshotRef: string,
  snapshotId: string,
  request: PoolSnapshotCopyRequest,
  options: TransferOptions & { journalKey: string },
): Promise<PoolSnapshotCopied> {
  // `onProgress` counts bytes; an Async call's counts a fraction: each is given only its own.
  const { journalKey, onProgress, ...plain } = options;
  const snapshot = await client.call('VM.get_record', [snapshotRef], vmRecordSchema, plain);
  let copyRef = await earlierCopy(client, request.newVmName, snapshotId, plain);
  if (!copyRef) {
    const srUuid = request.srId ? uuidOfXenId(request.srId) : null;
    const srRef = srUuid ? await client.call('SR.get_by_uuid', [srUuid], z.string(), plain) : NULL_REF;
    const total = await diskBytesOf(client, snapshot, plain);
    copyRef = await client.callAsync('VM.copy', [snapshotRef, request.newVmName, srRef], {
      ...plain,
      journalKey,
      onProgress: (fraction) => onProgress?.(Math.round(fraction * total), total),
    });
    onProgress?.(total, total);
  }
  await client.call('VM.add_to_other_config', [copyRef, COPY_MARK, snapshotId], z.unknown(), plain).catch(
    () => undefined, // already marked by an earlier run
  );
  const copy = await client.call('VM.get_record', [copyRef], vmRecordSchema, plain);
  if (copy.is_a_template) await client.call('VM.set_is_a_template', [copyRef, false], z.unknown(), plain);
  const verified = await verifyCopy(client, snapshot, copy, request, plain);
  const power = await powerCopy(client, copyRef, request.powerOn, plain);
  return {
    vmId: xenId(copy.uuid),
    diskIds: verified.diskIds,
    bytes: verified.bytes,
    verifiedAgainst: request.expectedSha256 ? 'point-hashes' : 'snapshot-read-live',
    power,
  };
}
