/**
 * The XAPI methods of the fake pool, named and failing as xapi's datamodel documents them
 * (CONNECTORS.md §1; datamodel_vm.ml, datamodel_errors.ml) — written from the API, not from the
 * connector: generic `<class>.get_all_records / get_record / get_by_uuid / get_<field>`, VM
 * snapshot (with `ignore_vdis` only from xapi 21.4.0), checkpoint (fake-checkpoint.ts), copy (fake-copy.ts), quiesced snapshot (MESSAGE_REMOVED from API
 * 2.14 on), revert, destroy, power, VDI / VBD / VM create, and tasks.
 */
import { randomUUID } from 'node:crypto';
import { checkpointVm, dropSuspendImage, isCheckpoint, resumableFrom, resumeMemory } from './fake-checkpoint';
import { copyVm, setIsATemplate } from './fake-copy';
import type { FakePool, XapiRecord } from './fake-pool';
import {
  classOf,
  destroyVdi,
  destroyVm,
  FakeFault,
  isApiAtLeast,
  master,
  must,
  NULL,
  snapshotVm,
  versionAtLeast,
} from './fake-vm-ops';

export { FakeFault, must } from './fake-vm-ops';

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

function setPower(pool: FakePool, vmRef: string, from: string[], to: string) {
  const vm = must(pool, 'VM', vmRef);
  if (vm.is_a_template === true)
    throw new FakeFault('VM_IS_TEMPLATE', [vmRef, to === 'Halted' ? 'shutdown' : 'start']);
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
  'VM.copy': (pool, params) => copyVm(pool, String(params[0]), String(params[1]), String(params[2] ?? NULL)),
  'VM.set_is_a_template': (pool, params) => setIsATemplate(pool, String(params[0]), params[1] === true),
  'VM.start': (pool, params) => setPower(pool, String(params[0]), ['Halted'], 'Running'),
  'VM.checkpoint': (pool, params) => checkpointVm(pool, String(params[0]), String(params[1])),
  'VM.resume': (pool, params) => {
    resumeMemory(pool, String(params[0]));
    setPower(pool, String(params[0]), ['Suspended'], 'Running');
  },
  'VM.clean_shutdown': (pool, params) => setPower(pool, String(params[0]), ['Running'], 'Halted'),
  'VM.hard_shutdown': (pool, params) => {
    dropSuspendImage(pool, String(params[0]));
    setPower(pool, String(params[0]), ['Running', 'Paused', 'Suspended'], 'Halted');
  },
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
