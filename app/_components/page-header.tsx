import Link from 'next/link';
import type { ReactNode } from 'react';

export function PageHeader({
  title,
  description,
  actions,
  parent,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  /** The list a detail page belongs to, linked above the title. */
  parent?: { href: string; label: string };
}) {
  return (
    <header className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        {parent ? (
          <div className="mb-1 text-sm text-fg-subtle">
            <Link href={parent.href} className="hover:underline">
              {parent.label}
            </Link>
          </div>
        ) : null}
        <h1 className="text-2xl font-semibold tracking-tight text-fg">{title}</h1>
        {description ? <div className="mt-1 max-w-3xl text-sm text-fg-muted">{description}</div> : null}
      </div>
      {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
    </header>
  );
}
