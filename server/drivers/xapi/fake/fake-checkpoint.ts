/**
 * Memory checkpoints in the fake pool, as xapi's datamodel documents them (CONNECTORS.md §1.4–1.5):
 * `VM.checkpoint(vm, name)` snapshots the disks and saves the VM's RAM into a suspend VDI (type
 * `suspend`) of the snapshot, whose record is `Suspended`; a halted VM has nothing to checkpoint
 * (`VM_BAD_POWER_STATE`). `VM.revert` of a checkpoint leaves the VM Suspended with a copy of that
 * image as its own suspend VDI, and `VM.resume` loads it back into the VM and destroys it. The RAM is
 * real bytes (`FakePool.vmMemory`), so a test can follow the same image from the VM into the
 * checkpoint and back.
 */

import { diskBytes, FAKE_MEMORY_BYTES, type FakePool, type XapiRecord } from './fake-pool';
import { assertAllowed, destroyVdi, destroyVm, FakeFault, must, snapshotVm } from './fake-vm-ops';

const NULL = 'OpaqueRef:NULL';

export { FAKE_MEMORY_BYTES } from './fake-pool';

/** What the VM holds in RAM now: seeded from its uuid the first time it is read. */
export function memoryOf(pool: FakePool, vmRef: string): Buffer {
  let memory = pool.vmMemory.get(vmRef);
  if (!memory) {
    memory = diskBytes(`ram:${String(must(pool, 'VM', vmRef).uuid)}`, FAKE_MEMORY_BYTES);
    pool.vmMemory.set(vmRef, memory);
  }
  return memory;
}

function addSuspendVdi(pool: FakePool, sr: string, name: string, bytes: Buffer): string {
  const srRecord = must(pool, 'SR', sr);
  const free = (srRecord.physical_size as number) - (srRecord.physical_utilisation as number);
  if (bytes.length > free) throw new FakeFault('SR_FULL', [String(bytes.length), String(free)]);
  const ref = pool.addVdi({ name, sr, bytes });
  pool.mod('VDI', ref, { type: 'suspend' });
  return ref;
}

/**
 * Where a VM's suspend image goes, as xapi's choose_suspend_sr picks it: the VM's suspend_SR, else
 * the pool's suspend_image_SR, else its host's suspend_image_sr — the first that exists and that
 * host has a PBD for; none is VM_NO_SUSPEND_SR.
 */
function suspendSrOf(pool: FakePool, vmRef: string): string {
  const vm = must(pool, 'VM', vmRef);
  const host = vm.resident_on as string;
  const candidates = [
    vm.suspend_SR,
    pool.get('pool', pool.poolRef)?.suspend_image_SR,
    pool.get('host', host)?.suspend_image_sr,
  ];
  for (const ref of candidates) {
    const sr = typeof ref === 'string' ? pool.get('SR', ref) : undefined;
    const seen = ((sr?.PBDs as string[] | undefined) ?? []).some(
      (pbd) => pool.get('PBD', pbd)?.host === host,
    );
    if (sr && seen) return ref as string;
  }
  throw new FakeFault('VM_NO_SUSPEND_SR', [vmRef]);
}

export function checkpointVm(pool: FakePool, vmRef: string, name: string): string {
  const vm = must(pool, 'VM', vmRef);
  if (vm.power_state !== 'Running') {
    throw new FakeFault('VM_BAD_POWER_STATE', [vmRef, 'running', String(vm.power_state).toLowerCase()]);
  }
  assertAllowed(pool, vmRef, vm, 'checkpoint');
  const sr = suspendSrOf(pool, vmRef);
  const snapshotRef = snapshotVm(pool, vmRef, name, [], false, 'checkpoint');
  try {
    const image = addSuspendVdi(pool, sr, `Suspend image of ${String(vm.name_label)}`, memoryOf(pool, vmRef));
    pool.mod('VM', snapshotRef, { power_state: 'Suspended', suspend_VDI: image });
  } catch (error) {
    // xapi undoes a checkpoint that cannot save the RAM: no half checkpoint stays.
    const disks = pool.disksOf(snapshotRef);
    destroyVm(pool, snapshotRef);
    for (const vdi of disks) destroyVdi(pool, vdi);
    throw error;
  }
  return snapshotRef;
}

export function isCheckpoint(pool: FakePool, snapshot: XapiRecord): boolean {
  const image = snapshot.suspend_VDI as string | undefined;
  return snapshot.power_state === 'Suspended' && !!image && image !== NULL && !!pool.get('VDI', image);
}

/** After a revert to a checkpoint: the VM is Suspended with a copy of the checkpoint's RAM. */
export function resumableFrom(pool: FakePool, vmRef: string, checkpoint: XapiRecord): void {
  const bytes = pool.vdiBytes.get(checkpoint.suspend_VDI as string) ?? Buffer.alloc(0);
  const vm = must(pool, 'VM', vmRef);
  const previous = vm.suspend_VDI as string | undefined;
  if (previous && previous !== NULL && pool.get('VDI', previous)) pool.del('VDI', previous);
  // The VM is not resident after the revert: its image is copied onto the checkpoint's image's SR.
  const image = addSuspendVdi(
    pool,
    String(must(pool, 'VDI', checkpoint.suspend_VDI).SR),
    `Suspend image of ${String(vm.name_label)}`,
    Buffer.from(bytes),
  );
  pool.mod('VM', vmRef, {
    power_state: 'Suspended',
    resident_on: NULL,
    current_operations: {},
    suspend_VDI: image,
  });
}

/** VM.resume: the suspend image goes back into the VM's RAM, and the image is destroyed. */
/**
 * VM.hard_shutdown of a suspended VM, as xapi_vm.ml does it: its suspend VDI (the RAM image) is
 * destroyed and forgotten, so the VM is halted with nothing of its memory left.
 */
export function dropSuspendImage(pool: FakePool, vmRef: string): void {
  const vm = must(pool, 'VM', vmRef);
  const image = vm.suspend_VDI as string | undefined;
  if (vm.power_state !== 'Suspended' || !image || image === NULL) return;
  if (pool.get('VDI', image)) destroyVdi(pool, image);
  pool.mod('VM', vmRef, { suspend_VDI: NULL });
}

export function resumeMemory(pool: FakePool, vmRef: string): void {
  const vm = must(pool, 'VM', vmRef);
  const image = vm.suspend_VDI as string | undefined;
  if (vm.power_state !== 'Suspended' || !image || image === NULL) return;
  const bytes = pool.vdiBytes.get(image);
  if (bytes) pool.vmMemory.set(vmRef, Buffer.from(bytes));
  if (pool.get('VDI', image)) destroyVdi(pool, image);
  pool.mod('VM', vmRef, { suspend_VDI: NULL });
}
