/**
 * The hypervisor role over XAPI, for every host of one pool (CONNECTORS.md §1.4–1.6):
 * - `createSnapshot`: `VM.snapshot` (crash-consistent), with `ignore_vdis` for the disks the plan
 *   leaves out, retried without it on releases before xapi 21.4 (MESSAGE_PARAMETER_COUNT_MISMATCH);
 *   `VM.snapshot_with_quiesce` where the release still has it (API < 2.14), refused here without
 *   touching the pool where it was removed. The snapshot VM is named `migawka:<snapshotId>`, so a
 *   retried or resumed step finds it instead of taking a second one, and the Async task is
 *   journaled under the same id.
 * - `releaseSnapshot`: collect the snapshot's VDIs, `VM.destroy` the record, then `VDI.destroy`
 *   each disk (xapi's own order; destroying the record alone leaks the disks).
 * - `copySnapshotToRepository`: `/export_raw_vdi` of each snapshot disk streamed into the
 *   repository (which hashes and reports progress).
 * - `restoreDisks`: as a new VM (new VDIs on the disks' original SR, `/import_raw_vdi`, VBDs) or in
 *   place (the VM must be halted, checked live); every written disk is read back from the pool and
 *   compared with the point's sha256.
 * - `revertToSnapshot`: `VM.revert`, then the power state the VM had at the snapshot.
 * Guest freeze, scripts and host flushes are not XAPI calls: they go over SSH to the guest and to
 * dom0 (xapi-guest-hook.ts) where the pool has the accounts, and fail `connector-missing` where not;
 * so is `copyFromArrayLuns`, dom0 reading an array's clone of a snapshot (xapi-array-copy.ts), and
 * `copyOutVm`, a staged restore's copy out of an array's staged clone (xapi-staged-copy-out.ts).
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { PowerState } from '../../engine/inventory';
import type { CallOptions, TransferOptions } from '../call';
import type {
  BackupRepository,
  CopyFromArrayRequest,
  CopyOutVmRequest,
  CopyResult,
  CopyToRepositoryRequest,
  CreateSnapshotRequest,
  DiskSource,
  HostSnapshotScope,
  HypervisorDriver,
  RestoreDisksRequest,
  RestoreResult,
  ScriptResult,
  ScriptRun,
  StoredPoint,
} from '../roles';
import { type ArrayCopyContext, copyVdisFromArrayLuns } from './xapi-array-copy';
import type { XapiClient } from './xapi-client';
import { diskVdis, offersQuiesce, uuidOfXenId, XAPI_CONNECTOR, xenId } from './xapi-discovery';
import { isXapiError, toDriverError } from './xapi-errors';
import { type XenSshAccess, XenSshHooks } from './xapi-guest-hook';
import { guestLookup, pluggedHosts } from './xapi-guest-targets';
import { verifyWrittenVdis } from './xapi-read-back';
import {
  hostRecordSchema,
  NULL_REF,
  poolRecordSchema,
  recordsOf,
  type VmRecord,
  vbdRecordSchema,
  vdiRecordSchema,
  vmRecordSchema,
} from './xapi-records';
import { createdVmIds, newVmTargets } from './xapi-restore-targets';
import { copyOutVmFromStagedLuns } from './xapi-staged-copy-out';

const POWER: Record<VmRecord['power_state'], PowerState> = {
  Running: 'running',
  Halted: 'off',
  Suspended: 'saved',
  Paused: 'paused',
};

export const snapshotLabel = (snapshotId: string): string => `migawka:${snapshotId}`;

function unsupported(what: string): DriverError {
  return new DriverError('connector-missing', `XAPI has no ${what}: the planner does not ask it of Xen VMs`, {
    isRetryable: false,
  });
}

/** Runs `work`, mapping XAPI failures to fault codes named after `what`. */
async function mapped<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDriverError(error, what);
  }
}

export class XapiHypervisor implements HypervisorDriver {
  readonly connector = XAPI_CONNECTOR;

  private readonly hooks: XenSshHooks | null;

  /** `ssh`: the pool's guest and dom0 accounts for the guest hook and host flush; absent = none. */
  constructor(
    private readonly client: XapiClient,
    ssh?: XenSshAccess,
  ) {
    this.hooks = ssh ? new XenSshHooks(ssh, client.label) : null;
  }

  private what(action: string): string {
    return `${this.client.label} ${action}`;
  }

  private async vmRef(vmId: string, options: CallOptions): Promise<string> {
    const uuid = uuidOfXenId(vmId);
    if (!uuid) throw new DriverError('not-found', `${vmId} is not a XAPI VM id`, { isRetryable: false });
    return this.client.call('VM.get_by_uuid', [uuid], z.string(), options);
  }

  private vmRecord(ref: string, options: CallOptions) {
    return this.client.call('VM.get_record', [ref], vmRecordSchema, options);
  }

  /** The snapshot VM Migawka took for `snapshotId`, or null. */
  private async findSnapshot(snapshotId: string, options: CallOptions): Promise<string | null> {
    const refs = await this.client.call(
      'VM.get_by_name_label',
      [snapshotLabel(snapshotId)],
      z.array(z.string()),
      options,
    );
    return refs[0] ?? null;
  }

  async getPowerState(vmId: string, options: CallOptions): Promise<PowerState> {
    return mapped(this.what(`power state of ${vmId}`), async () => {
      const ref = await this.vmRef(vmId, options);
      return POWER[
        await this.client.call('VM.get_power_state', [ref], vmRecordSchema.shape.power_state, options)
      ];
    });
  }

  async saveState(vmId: string, options: CallOptions): Promise<void> {
    await mapped(this.what(`suspend ${vmId}`), async () => {
      const ref = await this.vmRef(vmId, options);
      const vm = await this.vmRecord(ref, options);
      if (vm.power_state !== 'Running') return;
      await this.client.callAsync('VM.suspend', [ref], { ...options, journalKey: `suspend:${vmId}` });
    });
  }

  async resume(vmId: string, options: CallOptions): Promise<void> {
    await mapped(this.what(`resume ${vmId}`), async () => {
      const ref = await this.vmRef(vmId, options);
      const vm = await this.vmRecord(ref, options);
      if (vm.power_state === 'Suspended')
        await this.client.callAsync('VM.resume', [ref, false, false], options);
      else if (vm.power_state === 'Halted')
        await this.client.callAsync('VM.start', [ref, false, false], options);
    });
  }

  private hooksOr(what: string): XenSshHooks {
    if (!this.hooks) throw unsupported(what);
    return this.hooks;
  }

  async freezeGuest(vmId: string, freezeTimeoutMs: number, options: CallOptions): Promise<void> {
    const hooks = this.hooksOr('guest freeze (quiesce goes through VM.snapshot_with_quiesce)');
    const lookup = await mapped(this.what(`guest of ${vmId}`), () => guestLookup(this.client, vmId, options));
    await hooks.freeze(vmId, lookup, freezeTimeoutMs, options);
  }

  async thawGuest(vmId: string, options: CallOptions): Promise<void> {
    const hooks = this.hooksOr('guest thaw');
    const lookup = await mapped(this.what(`guest of ${vmId}`), () => guestLookup(this.client, vmId, options));
    await hooks.thaw(vmId, lookup, options);
  }

  async runGuestScript(vmId: string, script: ScriptRun, options: CallOptions): Promise<ScriptResult> {
    const hooks = this.hooksOr('guest script runner (a guest hook is not configured)');
    const lookup = await mapped(this.what(`guest of ${vmId}`), () => guestLookup(this.client, vmId, options));
    return hooks.runScript(lookup, script, options);
  }

  /** `sync` in dom0 of every host the SR is plugged into (its page cache, before an array snapshot). */
  async flushHostIo(hostVolumeId: string, options: CallOptions): Promise<void> {
    const hooks = this.hooksOr('host I/O flush');
    const { srName, hosts } = await mapped(this.what(`hosts of ${hostVolumeId}`), () =>
      pluggedHosts(this.client, hostVolumeId, options),
    );
    await hooks.flush(srName, hosts, options);
  }

  /** Ends the hook's SSH connections (pool disconnected, tests). */
  async closeHooks(): Promise<void> {
    await this.hooks?.close();
  }

  private async masterOffersQuiesce(options: CallOptions): Promise<boolean> {
    const pools = await this.client.call('pool.get_all_records', [], recordsOf(poolRecordSchema), options);
    const masterRef = Object.values(pools)[0]?.master ?? NULL_REF;
    return offersQuiesce(await this.client.call('host.get_record', [masterRef], hostRecordSchema, options));
  }

  async createSnapshot(
    request: CreateSnapshotRequest<HostSnapshotScope>,
    options: CallOptions,
  ): Promise<{ snapshotId: string }> {
    const { scope, snapshotId } = request;
    if (scope.kind !== 'vm') throw unsupported('host-volume snapshot set (that is WSB)');
    return mapped(this.what(`snapshot of ${scope.vmId}`), async () => {
      if (await this.findSnapshot(snapshotId, options)) return { snapshotId }; // taken before a retry
      const vmRef = await this.vmRef(scope.vmId, options);
      const label = snapshotLabel(snapshotId);
      // No progress: the task's is a fraction, and a step's progress counts bytes moved (none here).
      const journalKey = `snapshot:${snapshotId}`;
      if (request.isQuiesced) {
        if (!(await this.masterOffersQuiesce(options))) {
          throw new DriverError(
            'vss-writer-timeout',
            'quiesced snapshots were removed in Citrix Hypervisor 8.1 (API 2.14); this pool cannot quiesce',
            { isRetryable: false },
          );
        }
        await this.client.callAsync('VM.snapshot_with_quiesce', [vmRef, label], { ...options, journalKey });
        return { snapshotId };
      }
      const ignored = await this.ignoredVdis(vmRef, request.diskIds, options);
      if (ignored.length === 0) {
        await this.client.callAsync('VM.snapshot', [vmRef, label], { ...options, journalKey });
        return { snapshotId };
      }
      try {
        await this.client.callAsync('VM.snapshot', [vmRef, label, ignored], { ...options, journalKey });
      } catch (error) {
        // Releases before xapi 21.4 have no ignore_vdis: snapshot every disk, copy only the planned ones.
        if (!isXapiError(error, 'MESSAGE_PARAMETER_COUNT_MISMATCH')) throw error;
        await this.client.callAsync('VM.snapshot', [vmRef, label], { ...options, journalKey });
      }
      return { snapshotId };
    });
  }

  /** Disks of the VM the plan does not name (excluded or pass-through): left out of the snapshot. */
  private async ignoredVdis(vmRef: string, diskIds: string[], options: CallOptions): Promise<string[]> {
    const vm = await this.vmRecord(vmRef, options);
    const records = await this.diskRecords(vm, options);
    const wanted = new Set(diskIds);
    return diskVdis(records, vm)
      .filter(([, vdi]) => !wanted.has(xenId(vdi.uuid)))
      .map(([ref]) => ref);
  }

  private async diskRecords(vm: VmRecord, options: CallOptions) {
    const vbds = Object.fromEntries(
      await Promise.all(
        vm.VBDs.map(
          async (ref) =>
            [ref, await this.client.call('VBD.get_record', [ref], vbdRecordSchema, options)] as const,
        ),
      ),
    );
    const vdiRefs = Object.values(vbds)
      .filter((vbd) => vbd.type === 'Disk' && vbd.VDI !== NULL_REF)
      .map((vbd) => vbd.VDI);
    const vdis = Object.fromEntries(
      await Promise.all(
        vdiRefs.map(
          async (ref) =>
            [ref, await this.client.call('VDI.get_record', [ref], vdiRecordSchema, options)] as const,
        ),
      ),
    );
    return { vbds, vdis };
  }

  async releaseSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    await mapped(this.what(`release of snapshot ${snapshotId}`), async () => {
      const ref = await this.findSnapshot(snapshotId, options);
      if (!ref) return; // already gone: releasing is idempotent
      const vm = await this.vmRecord(ref, options);
      const disks = diskVdis(await this.diskRecords(vm, options), vm).map(([vdiRef]) => vdiRef);
      // The record first, then its disks: a VDI still attached to the record is VDI_IN_USE.
      await this.client.call('VM.destroy', [ref], z.unknown(), options);
      for (const vdiRef of disks) {
        await this.client.call('VDI.destroy', [vdiRef], z.unknown(), options).catch((error: unknown) => {
          if (!isXapiError(error, 'HANDLE_INVALID')) throw error;
        });
      }
    });
  }

  async copySnapshotToRepository(
    request: CopyToRepositoryRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult> {
    const disks = await mapped(this.what(`export of snapshot ${request.snapshotId}`), async () => {
      const ref = await this.findSnapshot(request.snapshotId, options);
      if (!ref)
        throw new DriverError('not-found', `snapshot ${request.snapshotId} is not in the pool`, {
          isRetryable: false,
        });
      const vm = await this.vmRecord(ref, options);
      const records = await this.diskRecords(vm, options);
      const srUuids = new Map<string, string>();
      const sources: DiskSource[] = [];
      const wanted = new Set(request.diskIds);
      for (const [vdiRef, vdi] of diskVdis(records, vm)) {
        // A snapshot disk records the live disk it copies: that disk's id is the one the plan names.
        const live =
          vdi.snapshot_of !== NULL_REF
            ? await this.client
                .call('VDI.get_uuid', [vdi.snapshot_of], z.string(), options)
                .catch(() => vdi.uuid)
            : vdi.uuid;
        const diskId = xenId(live);
        if (!wanted.has(diskId)) continue;
        if (!srUuids.has(vdi.SR))
          srUuids.set(vdi.SR, await this.client.call('SR.get_uuid', [vdi.SR], z.string(), options));
        const srId = xenId(srUuids.get(vdi.SR) as string);
        sources.push({
          diskId,
          bytes: vdi.virtual_size,
          origin: { location: `${srId}/${diskId}`, hostVolumeId: srId, arrayVolumeId: null },
          read: (signal) => this.exportStream(vdiRef, vdi, signal),
        });
      }
      // A disk the plan holds but the snapshot lacks (detached since, or its live disk's uuid not
      // read) fails the copy, as on Hyper-V: stored without it, the point would claim to hold it.
      const missing = request.diskIds.filter((diskId) => !sources.some((source) => source.diskId === diskId));
      if (missing.length > 0) {
        throw new DriverError('not-found', `snapshot ${request.snapshotId} holds no ${missing.join(', ')}`, {
          isRetryable: false,
        });
      }
      return sources;
    });
    return repository.store(
      { restorePointId: request.restorePointId, vmId: request.vmId, snapshotId: request.snapshotId, disks },
      options,
    );
  }

  /**
   * `/export_raw_vdi` sends no Content-Length and ends when the connection closes (CONNECTORS.md
   * §7): a stream cut short looks complete. A raw export is the disk's virtual size, so fewer (or
   * more) bytes than that fail the copy instead of being stored as the disk.
   */
  private async *exportStream(
    vdiRef: string,
    disk: { name_label: string; virtual_size: number },
    signal: AbortSignal,
  ): AsyncIterable<Uint8Array> {
    const { body } = await mapped(this.what('disk export'), () => this.client.exportVdi(vdiRef, signal));
    let received = 0;
    for await (const chunk of body) {
      received += (chunk as Uint8Array).byteLength;
      yield chunk as Uint8Array;
    }
    if (received !== disk.virtual_size) {
      throw new DriverError(
        'host-unreachable',
        `${this.what('disk export')}: the pool ended the export of ${disk.name_label} after ${received} of its ${disk.virtual_size} bytes`,
      );
    }
  }

  async restoreDisks(
    request: RestoreDisksRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const point = await repository.read(request.restorePointId, options);
    if (!point)
      throw new DriverError('not-found', `restore point ${request.restorePointId} holds no data`, {
        isRetryable: false,
      });
    if (request.target === 'scratch') throw unsupported('scratch area (restore as a new VM instead)');
    return mapped(this.what(`restore of ${request.vmId}`), async () => {
      const created =
        request.target === 'as-new' ? await newVmTargets(this.client, request, point, options) : null;
      const targets = created?.targets ?? (await this.inPlaceTargets(request.vmId, point, options));
      const total = point.files.reduce((sum, file) => sum + file.bytes, 0);
      let done = 0;
      for (const file of point.files) {
        const vdiRef = targets.get(file.diskId) as string;
        const stream = await repository.readFile(point.restorePointId, file.diskId, options);
        await this.client.importVdi(vdiRef, file.bytes, stream, options.signal);
        done += file.bytes;
        options.onProgress?.(done, total);
      }
      await verifyWrittenVdis(
        this.client,
        targets,
        point.files,
        options,
        (_, disk) => `${disk} read back from the pool does not match the point`,
      );
      if (!created) return { bytes: total, verified: true };
      // Started only now that every disk is written and read back; the state is the pool's answer.
      if (request.powerOn) await this.client.callAsync('VM.start', [created.vmRef, false, false], options);
      const { power_state } = await this.vmRecord(created.vmRef, options);
      return {
        bytes: total,
        verified: true,
        createdVm: await createdVmIds(this.client, created, options),
        powerState: POWER[power_state],
      };
    });
  }

  /** In place: the VM must be halted now (checked live, not from the inventory). */
  private async inPlaceTargets(
    vmId: string,
    point: StoredPoint,
    options: CallOptions,
  ): Promise<Map<string, string>> {
    const ref = await this.vmRef(vmId, options);
    const vm = await this.vmRecord(ref, options);
    if (vm.power_state !== 'Halted') {
      throw new DriverError(
        'invalid-state',
        `${vm.name_label} is ${POWER[vm.power_state]}: an in-place restore needs it off`,
        {
          isRetryable: false,
        },
      );
    }
    const targets = new Map<string, string>();
    for (const file of point.files) {
      const uuid = uuidOfXenId(file.diskId) ?? '';
      targets.set(file.diskId, await this.client.call('VDI.get_by_uuid', [uuid], z.string(), options));
    }
    return targets;
  }

  /** Snapshot revert: `VM.revert` (not cancellable on the pool), then the power state at the snapshot. */
  async revertToSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    await mapped(this.what(`revert to snapshot ${snapshotId}`), async () => {
      const ref = await this.findSnapshot(snapshotId, options);
      if (!ref)
        throw new DriverError('not-found', `snapshot ${snapshotId} is not in the pool`, {
          isRetryable: false,
        });
      const snapshot = await this.vmRecord(ref, options);
      await this.client.callAsync('VM.revert', [ref], { ...options, journalKey: `revert:${snapshotId}` });
      const wasRunning = snapshot.snapshot_info['power-state-at-snapshot'] === 'Running';
      if (wasRunning) await this.client.callAsync('VM.start', [snapshot.snapshot_of, false, false], options);
    });
  }

  async revertVolume(): Promise<RestoreResult> {
    throw unsupported('volume revert (SRs are reverted by their array)');
  }

  async stageVolume(): Promise<RestoreResult> {
    throw unsupported('staged volume restore');
  }

  async discardStaging(): Promise<void> {
    throw unsupported('staging area');
  }

  /** What dom0's reads of an array's clone need: the client and dom0 over the host SSH account. */
  private arrayContext(): ArrayCopyContext {
    const hooks = this.hooks;
    return {
      client: this.client,
      label: this.client.label,
      dom0: async (host: { name: string; address: string }, what: string) => {
        if (!hooks)
          throw new DriverError(
            'connector-missing',
            `${this.client.label} has no host SSH account, so dom0 cannot ${what} (set one on the pool)`,
            { isRetryable: false },
          );
        return hooks.dom0(host, what);
      },
    };
  }

  /** The copy of a backup's array snapshot: dom0 reads the array's clone (xapi-array-copy.ts). */
  async copyFromArrayLuns(
    request: CopyFromArrayRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult> {
    return mapped(this.what(`copy of array snapshot ${request.snapshotId}`), () =>
      copyVdisFromArrayLuns(this.arrayContext(), request, repository, options),
    );
  }

  async copyWithGuestAgent(): Promise<CopyResult> {
    throw unsupported('guest agent');
  }

  /** A staged restore's copy-out: dom0 reads the array's staged clone (xapi-staged-copy-out.ts). */
  copyOutVm(
    request: CopyOutVmRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    return copyOutVmFromStagedLuns(this.arrayContext(), request, repository, options);
  }
}
