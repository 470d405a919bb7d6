import { Alert } from '@/app/_components/ui/alert';
import { type PowerStateFacts, powerStateLabel } from '@/server/engine/words';

/**
 * A VM's power state in a list or a line: the state read, or — when it could not be read — "state
 * not read", what the hypervisor reported and what the VM is planned as (running, for safety), in the
 * warning colour. Never the planned state alone, which would claim a fact nobody read.
 */
export function PowerStateText({ vm }: { vm: PowerStateFacts }) {
  if (!vm.powerStateUnknown) return <>{vm.powerState}</>;
  return <span className="text-warning">{powerStateLabel(vm)}</span>;
}

/** The VM page's account of a power state that was not read: what was reported, and what follows. */
export function PowerStateNotice({ vm }: { vm: PowerStateFacts & { name: string } }) {
  if (!vm.powerStateUnknown) return null;
  return (
    <Alert tone="warning" role="note" aria-label={`Power state of ${vm.name} not read`} className="mb-6">
      The power state of {vm.name} was not read: {vm.powerStateUnknown}.{' '}
      {vm.powerState === 'running'
        ? `Migawka treats ${vm.name} as running for safety: no restore overwrites it unasked, and no backup copies its files as if it were off.`
        : `Migawka plans ${vm.name} as ${vm.powerState}, as stored.`}{' '}
      A backup or an in-place restore checks the live state before it touches the VM, and stops if that state
      still cannot be read.
    </Alert>
  );
}
