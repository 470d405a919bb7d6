/**
 * Snapshots kept on the pool as restore points (server/drivers/pool-snapshots.ts), over XAPI
 * (CONNECTORS.md §1.5–1.6). A point names its snapshot by uuid (`xen:<uuid>`), which XAPI keeps
 * stable, so every call reads the snapshot live by `VM.get_by_uuid`: a uuid the pool no longer knows
 * (`UUID_INVALID`) is a snapshot gone, said as such, not a failure to retry.
 * - read: the snapshot record (and that it is a snapshot), its disks and the VM it is of;
 * - destroy: the record first, then each of its VDIs (xapi's order; the record alone leaks disks);
 * - revert: `Async.VM.revert`, journalled under the snapshot's uuid, not cancellable on the pool;
 * - power: a snapshot of a running VM starts the VM again (as XenCenter and XO do), a checkpoint's
 *   suspended VM is resumed; a VM already running is left as it is (a resumed step does nothing twice).
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { PoolSnapshotKeeper, PoolSnapshotState } from '../pool-snapshots';
import type { XapiClient } from './xapi-client';
import { uuidOfXenId, xenId } from './xapi-discovery';
import { isXapiError, toDriverError } from './xapi-errors';
import { NULL_REF, type VmRecord, vbdRecordSchema, vmRecordSchema } from './xapi-records';

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
      };
    });
  }

  async destroyPoolSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    await this.mapped(`destroy of snapshot ${snapshotId}`, async () => {
      const found = await this.find(snapshotId, options);
      if (!found) return; // gone already: destroying is idempotent
      const [ref, snapshot] = found;
      const disks = await this.diskRefs(snapshot, options);
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
  ): Promise<'started' | 'left-as-is'> {
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
        await this.client.callAsync('VM.resume', [vmRef, false, false], options);
        return 'started';
      }
      return 'left-as-is';
    });
  }
}
