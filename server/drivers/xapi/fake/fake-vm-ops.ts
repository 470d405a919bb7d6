/**
 * The fake pool's VM and VDI primitives shared by its methods (fake-methods.ts) and its memory
 * checkpoints (fake-checkpoint.ts): faults, handle checks, allowed operations, snapshot, destroy.
 */
import { randomUUID } from 'node:crypto';
import { FAKE_CLASSES, type FakeClass, type FakePool, type XapiRecord } from './fake-pool';

/** A failure the fake answers with: the XAPI code and its parameters. */
export class FakeFault extends Error {
  constructor(
    readonly code: string,
    readonly params: string[] = [],
  ) {
    super(code);
  }
}

export const NULL = 'OpaqueRef:NULL';

export function classOf(name: string): FakeClass | undefined {
  return FAKE_CLASSES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
}

export function must(pool: FakePool, name: FakeClass, ref: unknown): XapiRecord {
  const record = typeof ref === 'string' ? pool.get(name, ref) : undefined;
  if (!record) throw new FakeFault('HANDLE_INVALID', [name, String(ref)]);
  return record;
}

export function versionAtLeast(version: string, wanted: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let index = 0; index < wanted.length; index += 1) {
    const part = parts[index] ?? 0;
    if (part !== wanted[index]) return part > wanted[index];
  }
  return true;
}

export function master(pool: FakePool): XapiRecord {
  return pool.get('host', pool.masterRef) as XapiRecord;
}

export function isApiAtLeast(pool: FakePool, major: number, minor: number): boolean {
  const host = master(pool);
  const hostMajor = host.API_version_major as number;
  return hostMajor > major || (hostMajor === major && (host.API_version_minor as number) >= minor);
}

export function assertAllowed(pool: FakePool, vmRef: string, vm: XapiRecord, operation: string) {
  const current = Object.values((vm.current_operations as Record<string, string>) ?? {});
  if (current.length > 0) {
    throw new FakeFault('OTHER_OPERATION_IN_PROGRESS', [
      'VM',
      vmRef,
      current[0],
      Object.keys(vm.current_operations as object)[0],
    ]);
  }
  if (!((vm.allowed_operations as string[]) ?? []).includes(operation)) {
    throw new FakeFault('OPERATION_NOT_ALLOWED', [`VM ${vmRef} does not allow ${operation}`]);
  }
  void pool;
}

/** VM.snapshot: a snapshot VM with copies of the disks (bytes included), except `ignoreVdis`. */
export function snapshotVm(
  pool: FakePool,
  vmRef: string,
  name: string,
  ignoreVdis: string[],
  quiesced: boolean,
  operation: 'snapshot' | 'checkpoint' = 'snapshot',
) {
  const vm = must(pool, 'VM', vmRef);
  assertAllowed(pool, vmRef, vm, operation);
  for (const vdiRef of pool.disksOf(vmRef)) {
    const vdi = must(pool, 'VDI', vdiRef);
    if (vdi.on_boot === 'reset')
      throw new FakeFault('VDI_ON_BOOT_MODE_INCOMPATIBLE_WITH_OPERATION', [vdiRef]);
    const sr = must(pool, 'SR', vdi.SR);
    const sm = [...pool.table('SM').values()].find((candidate) => candidate.type === sr.type);
    const features = (sm?.features as Record<string, number> | undefined) ?? {};
    if (!ignoreVdis.includes(vdiRef) && features.VDI_SNAPSHOT === undefined) {
      throw new FakeFault('SR_OPERATION_NOT_SUPPORTED', [vdi.SR as string]);
    }
    const free = (sr.physical_size as number) - (sr.physical_utilisation as number);
    const bytes = pool.vdiBytes.get(vdiRef)?.length ?? 0;
    if (!ignoreVdis.includes(vdiRef) && bytes > free) {
      throw new FakeFault('SR_FULL', [String(bytes), String(free)]);
    }
  }
  const snapshotRef = pool.newRef('VM');
  pool.add(
    'VM',
    {
      ...vm,
      uuid: randomUUID(),
      name_label: name,
      power_state: 'Halted',
      is_a_template: true,
      is_a_snapshot: true,
      resident_on: NULL,
      snapshot_of: vmRef,
      snapshots: [],
      VBDs: [],
      snapshot_time: new Date(pool.now()).toISOString().replace(/-|\.\d+/g, ''),
      suspend_VDI: NULL,
      snapshot_info: {
        'power-state-at-snapshot': vm.power_state as string,
        ...(quiesced ? { quiesced: 'true' } : {}),
      },
      guest_metrics: NULL,
      allowed_operations: ['destroy', 'revert'],
      current_operations: {},
    },
    snapshotRef,
  );
  for (const vbdRef of vm.VBDs as string[]) {
    const vbd = must(pool, 'VBD', vbdRef);
    if (vbd.type !== 'Disk' || vbd.VDI === NULL || ignoreVdis.includes(vbd.VDI as string)) continue;
    const source = must(pool, 'VDI', vbd.VDI);
    const copy = pool.add('VDI', {
      ...source,
      uuid: randomUUID(),
      name_label: source.name_label,
      is_a_snapshot: true,
      snapshot_of: vbd.VDI,
      snapshots: [],
    });
    pool.vdiBytes.set(copy, Buffer.from(pool.vdiBytes.get(vbd.VDI as string) ?? Buffer.alloc(0)));
    pool.addSrUsage(source.SR as string, pool.vdiBytes.get(copy)?.length ?? 0);
    pool.mod('VDI', vbd.VDI as string, { snapshots: [...((source.snapshots as string[]) ?? []), copy] });
    pool.addVbd(snapshotRef, copy, vbd.userdevice as string);
  }
  pool.mod('VM', vmRef, { snapshots: [...((vm.snapshots as string[]) ?? []), snapshotRef] });
  return snapshotRef;
}

function vdiUsers(pool: FakePool, vdiRef: string): string[] {
  return [...pool.table('VBD').values()]
    .filter((vbd) => vbd.VDI === vdiRef && pool.get('VM', vbd.VM as string))
    .map((vbd) => vbd.VM as string);
}

export function destroyVdi(pool: FakePool, vdiRef: string) {
  const vdi = must(pool, 'VDI', vdiRef);
  const sr = must(pool, 'SR', vdi.SR);
  if (sr.type === 'udev') throw new FakeFault('VDI_IS_A_PHYSICAL_DEVICE', [vdiRef]);
  if (vdiUsers(pool, vdiRef).length > 0) throw new FakeFault('VDI_IN_USE', [vdiRef, 'destroy']);
  pool.addSrUsage(vdi.SR as string, -(pool.vdiBytes.get(vdiRef)?.length ?? 0));
  pool.del('VDI', vdiRef);
}

export function destroyVm(pool: FakePool, vmRef: string) {
  const vm = must(pool, 'VM', vmRef);
  // A snapshot record is destroyed in whatever state it holds (a checkpoint's is Suspended).
  if (vm.power_state !== 'Halted' && vm.is_a_snapshot !== true)
    throw new FakeFault('VM_BAD_POWER_STATE', [vmRef, 'halted', String(vm.power_state).toLowerCase()]);
  for (const vbd of vm.VBDs as string[]) pool.del('VBD', vbd);
  const parent = vm.snapshot_of as string;
  const parentRecord = parent && parent !== NULL ? pool.get('VM', parent) : undefined;
  if (parentRecord) {
    pool.mod('VM', parent, {
      snapshots: (parentRecord.snapshots as string[]).filter((ref) => ref !== vmRef),
    });
  }
  pool.del('VM', vmRef);
}
