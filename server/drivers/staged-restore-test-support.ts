/**
 * What the staged-restore tests of every array (ONTAP, EqualLogic) do alike: start a staged
 * restore as an operator does (preview, then start with the preview's confirmation text), and set
 * a fake Hyper-V VM's power state by name, as someone at the host would.
 */
import { previewRestore, startRestore } from '../services/operations-service';
import type { FakeHypervModel } from './hyperv/fake/fake-hyperv-model';

type Stores = Parameters<typeof previewRestore>[0];
type Context = Parameters<typeof previewRestore>[1];

export async function startStagedRestore(stores: Stores, ctx: Context, pointId: string, newVmName?: string) {
  const input = { restorePointId: pointId, mode: 'staged' as const, ...(newVmName ? { newVmName } : {}) };
  const plan = await previewRestore(stores, ctx, input);
  return startRestore(stores, ctx, { ...input, confirmation: plan.confirmationText ?? undefined });
}

export function setFakeVmPower(model: FakeHypervModel, name: string, state: number): void {
  const vm = model.state.vms.find((candidate) => candidate.name === name);
  if (vm) vm.state = state;
}
