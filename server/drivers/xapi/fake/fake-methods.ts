/**
 * The XAPI methods of the fake pool, named and failing as xapi's datamodel documents them
 * (CONNECTORS.md §1; datamodel_vm.ml, datamodel_errors.ml) — written from the API, not from the
 * connector: generic `<class>.get_all_records / get_record / get_by_uuid / get_<field>`, VM
 * snapshot (with `ignore_vdis` only from xapi 21.4.0), checkpoint (fake-checkpoint.ts), quiesced snapshot (MESSAGE_REMOVED from API
 * 2.14 on), revert, destroy, power, VDI / VBD / VM create, and tasks.
 */
import { randomUUID } from 'node:crypto';
import { checkpointVm, isCheckpoint, resumableFrom, resumeMemory } from './fake-checkpoint';
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

const NULL = 'OpaqueRef:NULL';

function classOf(name: string): FakeClass | undefined {
  return FAKE_CLASSES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
}

export function must(pool: FakePool, name: FakeClass, ref: unknown): XapiRecord {
  const record = typeof ref === 'string' ? pool.get(name, ref) : undefined;
  if (!record) throw new FakeFault('HANDLE_INVALID', [name, String(ref)]);
  return record;
}

function versionAtLeast(version: string, wanted: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let index = 0; index < wanted.length; index += 1) {
    const part = parts[index] ?? 0;
    if (part !== wanted[index]) return part > wanted[index];
  }
  return true;
}

function master(pool: FakePool): XapiRecord {
  return pool.get('host', pool.masterRef) as XapiRecord;
}

function isApiAtLeast(pool: FakePool, major: number, minor: number): boolean {
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

/** VM.revert: the VM's disks take the snapshot's bytes; the VM takes the snapshot's power state. */
function revertVm(pool: FakePool, snapshotRef: string) {
  const snapshot = must(pool, 'VM', snapshotRef);
  if (snapshot.is_a_snapshot !== true) throw new FakeFault('VM_REVERT_FAILED', [NULL, snapshotRef]);
  const vmRef = snapshot.snapshot_of as string;
  const vm = must(pool, 'VM', vmRef);
  const snapshotDisks = pool.disksOf(snapshotRef);
  for (const copy of snapshotDisks) {
    const original = must(pool, 'VDI', copy).snapshot_of as string;
    if (pool.get('VDI', original)) {
      pool.vdiBytes.set(original, Buffer.from(pool.vdiBytes.get(copy) ?? Buffer.alloc(0)));
      pool.mod('VDI', original, {});
    }
  }
  if (isCheckpoint(pool, snapshot)) {
    // A checkpoint's VM comes back Suspended, its RAM the checkpoint's: VM.resume runs it on.
    resumableFrom(pool, vmRef, snapshot);
    return;
  }
  pool.mod('VM', vmRef, { power_state: 'Halted', resident_on: NULL, current_operations: {} });
  void vm;
}

function vdiUsers(pool: FakePool, vdiRef: string): string[] {
  return [...pool.table('VBD').values()]
    .filter((vbd) => vbd.VDI === vdiRef && pool.get('VM', vbd.VM as string))
    .map((vbd) => vbd.VM as string);
}

function destroyVdi(pool: FakePool, vdiRef: string) {
  const vdi = must(pool, 'VDI', vdiRef);
  const sr = must(pool, 'SR', vdi.SR);
  if (sr.type === 'udev') throw new FakeFault('VDI_IS_A_PHYSICAL_DEVICE', [vdiRef]);
  if (vdiUsers(pool, vdiRef).length > 0) throw new FakeFault('VDI_IN_USE', [vdiRef, 'destroy']);
  pool.addSrUsage(vdi.SR as string, -(pool.vdiBytes.get(vdiRef)?.length ?? 0));
  pool.del('VDI', vdiRef);
}

function destroyVm(pool: FakePool, vmRef: string) {
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

function setPower(pool: FakePool, vmRef: string, from: string[], to: string) {
  const vm = must(pool, 'VM', vmRef);
  if (!from.includes(vm.power_state as string)) {
    throw new FakeFault('VM_BAD_POWER_STATE', [
      vmRef,
      from[0].toLowerCase(),
      String(vm.power_state).toLowerCase(),
    ]);
  }
  pool.mod('VM', vmRef, {
    power_state: to,
    resident_on: to === 'Running' ? (vm.affinity ?? pool.masterRef) : NULL,
  });
}

type Method = (pool: FakePool, params: unknown[]) => unknown;

/** Methods taking the session first; `params` here are the ones after it. */
export const METHODS: Record<string, Method> = {
  'VM.snapshot': (pool, params) => {
    if (
      params.length > 2 &&
      !versionAtLeast(
        String(
          master(pool).software_version && (master(pool).software_version as Record<string, string>).xapi,
        ),
        [21, 4],
      )
    ) {
      throw new FakeFault('MESSAGE_PARAMETER_COUNT_MISMATCH', [
        'VM.snapshot',
        '3',
        String(params.length + 1),
      ]);
    }
    return snapshotVm(pool, String(params[0]), String(params[1]), (params[2] as string[]) ?? [], false);
  },
  'VM.snapshot_with_quiesce': (pool, params) => {
    if (isApiAtLeast(pool, 2, 14)) throw new FakeFault('MESSAGE_REMOVED', []);
    const vm = must(pool, 'VM', params[0]);
    const metrics =
      vm.guest_metrics !== NULL ? pool.get('VM_guest_metrics', vm.guest_metrics as string) : undefined;
    const other = (metrics?.other as Record<string, string>) ?? {};
    if (other['feature-quiesce'] !== '1' && other['feature-snapshot'] !== '1') {
      throw new FakeFault('VM_SNAPSHOT_WITH_QUIESCE_NOT_SUPPORTED', [String(params[0])]);
    }
    return snapshotVm(pool, String(params[0]), String(params[1]), [], true);
  },
  'VM.revert': (pool, params) => revertVm(pool, String(params[0])),
  'VM.destroy': (pool, params) => destroyVm(pool, String(params[0])),
  'VM.start': (pool, params) => setPower(pool, String(params[0]), ['Halted'], 'Running'),
  'VM.checkpoint': (pool, params) => checkpointVm(pool, String(params[0]), String(params[1])),
  'VM.resume': (pool, params) => {
    resumeMemory(pool, String(params[0]));
    setPower(pool, String(params[0]), ['Suspended'], 'Running');
  },
  'VM.clean_shutdown': (pool, params) => setPower(pool, String(params[0]), ['Running'], 'Halted'),
  'VM.hard_shutdown': (pool, params) =>
    setPower(pool, String(params[0]), ['Running', 'Paused', 'Suspended'], 'Halted'),
  'VDI.destroy': (pool, params) => destroyVdi(pool, String(params[0])),
  'VDI.create': (pool, params) => {
    const record = params[0] as XapiRecord;
    const sr = must(pool, 'SR', record.SR);
    const size = Number(record.virtual_size);
    if (size > (sr.physical_size as number) - (sr.physical_utilisation as number)) {
      throw new FakeFault('SR_FULL', [
        String(size),
        String((sr.physical_size as number) - (sr.physical_utilisation as number)),
      ]);
    }
    const ref = pool.addVdi({
      name: String(record.name_label),
      sr: String(record.SR),
      bytes: Buffer.alloc(size),
    });
    pool.mod('VDI', ref, { other_config: record.other_config ?? {} });
    return ref;
  },
  'VBD.create': (pool, params) => {
    const record = params[0] as XapiRecord;
    must(pool, 'VM', record.VM);
    if (record.VDI !== NULL) must(pool, 'VDI', record.VDI);
    return pool.addVbd(
      String(record.VM),
      record.VDI === NULL ? null : String(record.VDI),
      String(record.userdevice),
      (record.type as 'Disk' | 'CD') ?? 'Disk',
    );
  },
  'VM.create': (pool, params) => {
    const record = params[0] as XapiRecord;
    if (typeof record.name_label !== 'string') throw new FakeFault('FIELD_TYPE_ERROR', ['name_label']);
    return pool.add('VM', {
      uuid: randomUUID(),
      name_label: record.name_label,
      power_state: 'Halted',
      is_a_template: false,
      is_a_snapshot: false,
      is_control_domain: false,
      resident_on: NULL,
      affinity: record.affinity ?? NULL,
      VBDs: [],
      snapshots: [],
      snapshot_of: NULL,
      snapshot_time: '19700101T00:00:00Z',
      snapshot_info: {},
      guest_metrics: NULL,
      allowed_operations: ['snapshot', 'start', 'clean_shutdown', 'hard_shutdown', 'destroy'],
      current_operations: {},
      tags: record.tags ?? [],
      other_config: record.other_config ?? {},
      memory_static_max: record.memory_static_max ?? 1073741824,
    });
  },
};

/** `<class>.get_all_records`, `get_record`, `get_by_uuid`, `get_<field>`, `add_to_other_config`. */
export function genericMethod(
  pool: FakePool,
  method: string,
  params: unknown[],
): { found: boolean; value?: unknown } {
  const [className, call] = method.split('.');
  const name = classOf(className ?? '');
  if (!name || !call) return { found: false };
  if (call === 'get_all_records') return { found: true, value: Object.fromEntries(pool.table(name)) };
  if (call === 'get_all') return { found: true, value: [...pool.table(name).keys()] };
  if (call === 'get_record') return { found: true, value: must(pool, name, params[0]) };
  if (call === 'get_by_uuid') {
    for (const [ref, record] of pool.table(name))
      if (record.uuid === params[0]) return { found: true, value: ref };
    throw new FakeFault('UUID_INVALID', [name, String(params[0])]);
  }
  if (call === 'get_by_name_label') {
    return {
      found: true,
      value: [...pool.table(name)]
        .filter(([, record]) => record.name_label === params[0])
        .map(([ref]) => ref),
    };
  }
  if (call === 'add_to_other_config') {
    const record = must(pool, name, params[0]);
    pool.mod(name, String(params[0]), {
      other_config: {
        ...((record.other_config as Record<string, string>) ?? {}),
        [String(params[1])]: String(params[2]),
      },
    });
    return { found: true, value: '' };
  }
  if (call.startsWith('get_')) {
    const record = must(pool, name, params[0]);
    const field = call.slice(4);
    if (!(field in record)) return { found: false };
    return { found: true, value: record[field] };
  }
  return { found: false };
}
