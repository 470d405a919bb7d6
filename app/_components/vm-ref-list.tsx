import Link from 'next/link';
import { READINESS_LABELS, READINESS_TONES } from '@/app/_lib/format';
import type { Readiness } from '@/server/engine/types';
import type { PowerStateFacts } from '@/server/engine/words';
import { PowerStateText } from './power-state';
import { Badge } from './ui/badge';

interface VmRefLike extends PowerStateFacts {
  id: string;
  name: string;
  readiness: Readiness | null;
}

/** A compact list of VMs (name → detail page, power state, readiness). */
export function VmRefList({ vms, label }: { vms: VmRefLike[]; label: string }) {
  if (vms.length === 0) return <span className="text-fg-subtle">no VMs</span>;
  return (
    <ul aria-label={label} className="flex flex-col gap-1">
      {vms.map((vm) => (
        <li key={vm.id} className="flex flex-wrap items-center gap-2">
          <Link
            href={`/vms/${encodeURIComponent(vm.id)}`}
            className="font-medium text-accent underline underline-offset-2 hover:decoration-2"
          >
            {vm.name}
          </Link>
          <span className="text-xs text-fg-subtle">
            <PowerStateText vm={vm} />
          </span>
          {vm.readiness ? (
            <Badge tone={READINESS_TONES[vm.readiness]}>{READINESS_LABELS[vm.readiness]}</Badge>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
