'use client';

import { ArrowDown, ArrowUp, ArrowUpDown } from 'lucide-react';
import type { ReactNode } from 'react';

/** A column header button for server-side sorting; `aria-sort` goes on the enclosing <th>. */
export function SortHeaderButton({
  label,
  direction,
  onToggle,
}: {
  label: ReactNode;
  direction: 'asc' | 'desc' | false;
  onToggle: () => void;
}) {
  const Icon = direction === 'asc' ? ArrowUp : direction === 'desc' ? ArrowDown : ArrowUpDown;
  return (
    <button
      type="button"
      onClick={onToggle}
      className="inline-flex items-center gap-1 uppercase tracking-wide hover:text-fg focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
    >
      {label}
      <Icon aria-hidden="true" className={direction ? 'size-3.5 text-fg' : 'size-3.5 text-fg-subtle'} />
    </button>
  );
}

export function ariaSortOf(direction: 'asc' | 'desc' | false): 'ascending' | 'descending' | 'none' {
  return direction === 'asc' ? 'ascending' : direction === 'desc' ? 'descending' : 'none';
}
