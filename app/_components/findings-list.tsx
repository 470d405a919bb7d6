import { Badge } from '@/app/_components/ui/badge';
import { SEVERITY_TONES } from '@/app/_lib/format';
import type { Finding } from '@/server/engine/types';
import { EmptyState } from './query-state';
import { RuleTitle } from './rule-title';

/** Remedies quote commands in backticks (server/engine/rules); they render in <code> so they copy exactly. */
export function RemedyText({ remedy }: { remedy: string }) {
  const parts = remedy.split(/(`[^`]+`)/g).filter(Boolean);
  return (
    <>
      {parts.map((part, index) =>
        part.length > 2 && part.startsWith('`') && part.endsWith('`') ? (
          <code key={index}>{part.slice(1, -1)}</code>
        ) : (
          <span key={index}>{part}</span>
        ),
      )}
    </>
  );
}

type DisplayedFinding = Pick<Finding, 'ruleId' | 'severity' | 'message' | 'remedy'>;

export function FindingsList({ findings, emptyText }: { findings: DisplayedFinding[]; emptyText: string }) {
  if (findings.length === 0) return <EmptyState>{emptyText}</EmptyState>;
  return (
    <ul className="flex flex-col divide-y divide-line-soft" aria-label="Findings">
      {findings.map((finding, index) => (
        <li key={`${finding.ruleId}-${index}`} className="flex flex-col gap-1 py-3">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={SEVERITY_TONES[finding.severity]}>{finding.severity}</Badge>
            <RuleTitle ruleId={finding.ruleId} className="text-sm" />
          </div>
          <p className="text-sm text-fg">{finding.message}</p>
          <p className="text-sm text-fg-muted">
            <span className="font-medium text-fg-soft">Remedy: </span>
            <RemedyText remedy={finding.remedy} />
          </p>
        </li>
      ))}
    </ul>
  );
}
