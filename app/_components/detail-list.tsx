import type { ReactNode } from 'react';

/** A definition list of facts about one object ("Host: hv-01", "VSS: on"). */
export function DetailList({ items }: { items: { term: string; value: ReactNode }[] }) {
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm">
      {items.map((item) => (
        <div key={item.term} className="contents">
          <dt className="font-medium text-fg-muted">{item.term}</dt>
          <dd className="text-fg">{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * A boolean in words; `isProblemWhenNo` (default) colours a "no" as something to fix. A fact the
 * source did not report (null) reads `unknown` ("not read"), never as a yes or a no.
 */
export function YesNo({
  value,
  yes = 'on',
  no = 'off',
  unknown = 'not read',
  isProblemWhenNo = true,
}: {
  value: boolean | null;
  yes?: string;
  no?: string;
  unknown?: string;
  isProblemWhenNo?: boolean;
}) {
  if (value === null) return <span className="text-warning">{unknown}</span>;
  const className = value ? 'text-success' : isProblemWhenNo ? 'font-medium text-danger' : 'text-fg-muted';
  return <span className={className}>{value ? yes : no}</span>;
}
