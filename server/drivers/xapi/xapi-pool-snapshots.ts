/**
 * Snapshots kept on the pool as restore points (server/drivers/pool-snapshots.ts), over XAPI
 * (CONNECTORS.md §1.5–1.6). A point names its snapshot by uuid (`xen:<uuid>`), which XAPI keeps
 * stable, so every call reads the snapshot live by `VM.get_by_uuid`: a uuid the pool no longer knows
 * (`UUID_INVALID`) is a snapshot gone, said as such, not a failure to retry.
 * - read: the snapshot record (and that it is a snapshot), its disks and the VM it is of;
 * - checkpoint: `Async.VM.checkpoint` (disks + RAM into a suspend VDI), journalled, kept on the pool;
 * - destroy: the record first, then each of its VDIs and a checkpoint's suspend VDI (xapi's order;
 *   the record alone leaks disks);
 * - revert: `Async.VM.revert`, journalled under the snapshot's uuid, not cancellable on the pool;
 * - copy: a new VM from the snapshot (`VM.copy`, xapi-pool-copy.ts), nothing existing touched;
 * - power: a snapshot of a running VM starts the VM again (as XenCenter and XO do), a checkpoint's
 *   suspended VM is resumed; a VM already running is left as it is (a resumed step does nothing twice).
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
import type {
  CheckpointTaken,
  PoolSnapshotCopied,
  PoolSnapshotCopyRequest,
  PoolSnapshotKeeper,
  PoolSnapshotState,
} from '../pool-snapshots';
import type { XapiClient } from './xapi-client';
import { uuidOfXenId, xenId } from './xapi-discovery';
import { isXapiError, toDriverError } from './xapi-errors';
import { copyPoolSnapshot } from './xapi-pool-copy';
import {
  NULL_REF,
  parseXapiDate,
  type VmRecord,
  vbdRecordSchema,
  vdiRecordSchema,
  vmRecordSchema,
} from './xapi-records';

export class XapiPoolSnapshots implements PoolSnapshotKeeper {
  constructor(private readonly client: XapiClient) {}

  private async mapped<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DriverError) throw error;
      throw toDriverError(error, `${this.client.label} ${what}`);
    }
  }

  /** The snapshot's ref and record, or null when the pool has no snapshot of that uuid. */
  private async find(snapshotId: string, options: CallOptions): Promise<[string, VmRecord] | null> {
    const uuid = uuidOfXenId(snapshotId);
    if (!uuid)
      throw new DriverError('not-found', `${snapshotId} is not a XAPI snapshot id`, { isRetryable: false });
    try {
      const ref = await this.client.call('VM.get_by_uuid', [uuid], z.string(), options);
      const record = await this.client.call('VM.get_record', [ref], vmRecordSchema, options);
      return record.is_a_snapshot ? [ref, record] : null;
    } catch (error) {
      if (isXapiError(error, 'UUID_INVALID') || isXapiError(error, 'HANDLE_INVALID')) return null;
      throw error;
    }
  }

  private async must(snapshotId: string, options: CallOptions): Promise<[string, VmRecord]> {
    const found = await this.find(snapshotId, options);
    if (!found)
      throw new DriverError('not-found', `snapshot ${snapshotId} is no longer on the pool`, {
        isRetryable: false,
      });
    return found;
  }

  private async diskRefs(snapshot: VmRecord, options: CallOptions): Promise<string[]> {
    const vbds = await Promise.all(
      snapshot.VBDs.map((ref) => this.client.call('VBD.get_record', [ref], vbdRecordSchema, options)),
    );
    return vbds.filter((vbd) => vbd.type === 'Disk' && vbd.VDI !== NULL_REF).map((vbd) => vbd.VDI);
  }

  /** The snapshot's disks, plus a checkpoint's memory image: what a destroy must destroy. */
  private async storageRefs(snapshot: VmRecord, options: CallOptions): Promise<string[]> {
    const disks = await this.diskRefs(snapshot, options);
    return snapshot.suspend_VDI === NULL_REF ? disks : [...disks, snapshot.suspend_VDI];
  }

  private async findByName(name: string, options: CallOptions): Promise<string | null> {
    const refs = await this.client.call('VM.get_by_name_label', [name], z.array(z.string()), options);
    for (const ref of refs) {
      const record = await this.client.call('VM.get_record', [ref], vmRecordSchema, options);
      if (record.is_a_snapshot) return ref;
    }
    return null;
  }

  async takeCheckpoint(
    vmId: string,
    name: string,
    options: CallOptions & { journalKey: string },
  ): Promise<CheckpointTaken> {
    return this.mapped(`checkpoint of ${vmId}`, async () => {
      const uuid = uuidOfXenId(vmId);
      if (!uuid) throw new DriverError('not-found', `${vmId} is not a XAPI VM id`, { isRetryable: false });
      // Taken before a crash that came after its task ended: found by its name, not taken twice.
      let ref = await this.findByName(name, options);
      if (!ref) {
        const vmRef = await this.client.call('VM.get_by_uuid', [uuid], z.string(), options);
        ref = await this.client.callAsync('VM.checkpoint', [vmRef, name], options);
      }
      const record = await this.client.call('VM.get_record', [ref], vmRecordSchema, options);
      const disks = await Promise.all(
        (await this.diskRefs(record, options)).map((vdi) =>
          this.client.call('VDI.get_record', [vdi], vdiRecordSchema, options),
        ),
      );
      const memory =
        record.suspend_VDI === NULL_REF
          ? null
          : await this.client.call('VDI.get_record', [record.suspend_VDI], vdiRecordSchema, options);
      const sources = await Promise.all(
        disks.map((vdi) =>
          vdi.snapshot_of === NULL_REF
            ? null
            : this.client
                .call('VDI.get_uuid', [vdi.snapshot_of], z.string(), options)
                .catch((error: unknown) => {
                  if (isXapiError(error, 'HANDLE_INVALID')) return null; // the VM's disk was deleted since
                  throw error;
                }),
        ),
      );
      const memoryBytes = memory?.physical_utilisation ?? 0;
      return {
        snapshotId: xenId(record.uuid),
        name: record.name_label,
        takenAt: parseXapiDate(record.snapshot_time),
        sourceDiskIds: sources.flatMap((source) => (source ? [xenId(source)] : [])),
        sizeBytes: disks.reduce((sum, vdi) => sum + vdi.physical_utilisation, 0) + memoryBytes,
        memoryBytes,
      };
    });
  }

  async readPoolSnapshot(snapshotId: string, options: CallOptions): Promise<PoolSnapshotState | null> {
    return this.mapped(`read of snapshot ${snapshotId}`, async () => {
      const found = await this.find(snapshotId, options);
      if (!found) return null;
      const [, snapshot] = found;
      const vmUuid =
        snapshot.snapshot_of === NULL_REF
          ? null
          : await this.client
              .call('VM.get_uuid', [snapshot.snapshot_of], z.string(), options)
              .catch((error: unknown) => {
                if (isXapiError(error, 'HANDLE_INVALID')) return null;
                throw error;
              });
      return {
        name: snapshot.name_label,
        vmId: vmUuid ? xenId(vmUuid) : null,
        diskCount: (await this.diskRefs(snapshot, options)).length,
        powerStateAtSnapshot: snapshot.snapshot_info['power-state-at-snapshot'] ?? null,
        includesMemory: snapshot.power_state === 'Suspended' && snapshot.suspend_VDI !== NULL_REF,
      };
    });
  }

  async destroyPoolSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    await this.mapped(`destroy of snapshot ${snapshotId}`, async () => {
      const found = await this.find(snapshotId, options);
      if (!found) return; // gone already: destroying is idempotent
      const [ref, snapshot] = found;
      const disks = await this.storageRefs(snapshot, options);
      await this.client.call('VM.destroy', [ref], z.unknown(), options);
      for (const vdiRef of disks) {
        await this.client.call('VDI.destroy', [vdiRef], z.unknown(), options).catch((error: unknown) => {
          if (!isXapiError(error, 'HANDLE_INVALID')) throw error;
        });
      }
    });
  }

  async revertToPoolSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    await this.mapped(`revert to snapshot ${snapshotId}`, async () => {
      const [ref] = await this.must(snapshotId, options);
      await this.client.callAsync('VM.revert', [ref], {
        ...options,
        journalKey: `pool-revert:${snapshotId}`,
      });
    });
  }

  async restorePowerStateAfterRevert(
    snapshotId: string,
    options: CallOptions,
  ): Promise<'started' | 'resumed' | 'left-as-is'> {
    return this.mapped(`power after the revert to snapshot ${snapshotId}`, async () => {
      const [, snapshot] = await this.must(snapshotId, options);
      if (snapshot.snapshot_info['power-state-at-snapshot'] !== 'Running') return 'left-as-is';
      const vmRef = snapshot.snapshot_of;
      const state = await this.client.call(
        'VM.get_power_state',
        [vmRef],
        vmRecordSchema.shape.power_state,
        options,
      );
      if (state === 'Halted') {
        await this.client.callAsync('VM.start', [vmRef, false, false], options);
        return 'started';
      }
      if (state === 'Suspended') {
        // A checkpoint's revert leaves the VM suspended on the checkpoint's RAM: resuming it brings
        // it back running as it was at the checkpoint.
        await this.client.callAsync('VM.resume', [vmRef, false, false], options);
        return 'resumed';
      }
      return 'left-as-is';
    });
  }

  async copyPoolSnapshotAsNewVm(
    snapshotId: string,
    request: PoolSnapshotCopyRequest,
    options: TransferOptions & { journalKey: string },
  ): Promise<PoolSnapshotCopied> {
    return this.mapped(`copy of snapshot ${snapshotId} into new VM ${request.newVmName}`, async () => {
      const [ref] = await this.must(snapshotId, options);
      return copyPoolSnapshot(this.client, ref, snapshotId, request, options);
    });
  }
}
