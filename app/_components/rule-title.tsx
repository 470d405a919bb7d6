import type { RuleId } from '@/server/engine/types';
import { RULE_TITLES } from '@/server/engine/words';

/** A finding's plain title, with its stable rule id beside it as a small code. */
export function RuleTitle({ ruleId, className = '' }: { ruleId: RuleId; className?: string }) {
  return (
    <span className={`inline-flex flex-wrap items-baseline gap-x-2 ${className}`}>
      <span className="font-medium">{RULE_TITLES[ruleId]}</span>
      <code className="font-mono text-xs text-fg-muted">{ruleId}</code>
    </span>
  );
}

/** The same as text, for option labels and accessible names: "Title (RULE-ID)". */
export function ruleTitleText(ruleId: RuleId): string {
  return `${RULE_TITLES[ruleId]} (${ruleId})`;
}
