/**
 * `VM.copy` and `VM.set_is_a_template` in the fake pool, as xapi's datamodel documents them
 * (datamodel_vm.ml): `VM.copy(vm, new_name, sr)` makes a new VM whose disks are full copies ("not
 * part of a CoW chain") on `sr`, or on each disk's own SR when `sr` is not a valid reference. A
 * copy of a snapshot is no longer a snapshot (its `snapshot_of` is null) but stays a template, as
 * its source was: Xen Orchestra's "create VM from snapshot" clears `is_a_template` afterwards, and
 * `VM.start` of a template answers `VM_IS_TEMPLATE`. A suspended source (a memory checkpoint) is
 * copied suspended, with a copy of its memory image, so `VM.resume` runs it on as it was.
 */
import { randomUUID } from 'node:crypto';
import type { FakePool, XapiRecord } from './fake-pool';
import { FakeFault, must, NULL } from './fake-vm-ops';

function free(sr: XapiRecord): number {
  return (sr.physical_size as number) - (sr.physical_utilisation as number);
}

function copyVdi(pool: FakePool, source: string, sr: string): string {
  const vdi = must(pool, 'VDI', source);
  const bytes = Buffer.from(pool.vdiBytes.get(source) ?? Buffer.alloc(0));
  const ref = pool.addVdi({ name: String(vdi.name_label), sr, bytes });
  pool.mod('VDI', ref, { type: vdi.type, virtual_size: vdi.virtual_size });
  return ref;
}

export function copyVm(pool: FakePool, vmRef: string, name: string, srRef: string): string {
  const source = must(pool, 'VM', vmRef);
  const state = String(source.power_state);
  if (state !== 'Halted' && !(state === 'Suspended' && source.is_a_snapshot === true)) {
    throw new FakeFault('VM_BAD_POWER_STATE', [vmRef, 'halted', state.toLowerCase()]);
  }
  const target = srRef !== NULL && pool.get('SR', srRef) ? srRef : null;
  const disks = pool.disksOf(vmRef);
  const image = source.suspend_VDI as string | undefined;
  const hasImage = state === 'Suspended' && !!image && image !== NULL && !!pool.get('VDI', image);
  // The whole copy must fit before anything is written: xapi fails SR_FULL without a half VM.
  const needs = new Map<string, number>();
  for (const vdi of hasImage ? [...disks, image as string] : disks) {
    const sr = target ?? (must(pool, 'VDI', vdi).SR as string);
    needs.set(sr, (needs.get(sr) ?? 0) + (pool.vdiBytes.get(vdi)?.length ?? 0));
  }
  for (const [sr, bytes] of needs) {
    const available = free(must(pool, 'SR', sr));
    if (bytes > available) throw new FakeFault('SR_FULL', [String(bytes), String(available)]);
  }
  const copy = pool.add('VM', {
    ...source,
    uuid: randomUUID(),
    name_label: name,
    is_a_snapshot: false,
    snapshot_of: NULL,
    snapshots: [],
    snapshot_time: '19700101T00:00:00Z',
    snapshot_info: {},
    VBDs: [],
    suspend_VDI: NULL,
    resident_on: NULL,
    guest_metrics: NULL,
    allowed_operations: ['snapshot', 'checkpoint', 'clean_shutdown', 'hard_shutdown', 'start', 'destroy'],
    current_operations: {},
  });
  for (const vbdRef of source.VBDs as string[]) {
    const vbd = must(pool, 'VBD', vbdRef);
    if (vbd.type !== 'Disk' || vbd.VDI === NULL) continue;
    const vdi = vbd.VDI as string;
    pool.addVbd(
      copy,
      copyVdi(pool, vdi, target ?? (must(pool, 'VDI', vdi).SR as string)),
      String(vbd.userdevice),
    );
  }
  if (hasImage) {
    const sr = target ?? (must(pool, 'VDI', image).SR as string);
    pool.mod('VM', copy, { suspend_VDI: copyVdi(pool, image as string, sr) });
  }
  return copy;
}

export function setIsATemplate(pool: FakePool, vmRef: string, value: boolean): void {
  const vm = must(pool, 'VM', vmRef);
  // A snapshot stays a template: xapi refuses to make it a VM (copy or clone it instead).
  if (vm.is_a_snapshot === true && !value) {
    throw new FakeFault('OPERATION_NOT_ALLOWED', ['a snapshot cannot be made a VM: copy it instead']);
  }
  pool.mod('VM', vmRef, { is_a_template: value });
}
