'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Download, ShieldCheck } from 'lucide-react';
import { useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { FilterSelect } from '@/app/_components/filter-select';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge, type BadgeTone } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent } from '@/app/_components/ui/card';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { readCursorState } from '@/app/_lib/list-url';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { formatTime } from '@/app/operations/_components/operation-format';
import { roleLabelOf } from '@/server/engine/roles';
import { AUDIT_OUTCOMES, type AuditOutcome } from '@/server/engine/security';
import { exportHref, readAuditFilters, toQueryFilter } from './audit-filters';

type AuditRow = RouterOutputs['audit']['list']['items'][number];

const PAGE_SIZE = 50;

const OUTCOME_LABELS: Record<AuditOutcome, string> = {
  succeeded: 'Succeeded',
  refused: 'Refused',
  failed: 'Failed',
};
const OUTCOME_TONES: Record<AuditOutcome, BadgeTone> = {
  succeeded: 'success',
  refused: 'warning',
  failed: 'danger',
};

export function AuditList() {
  const trpc = useTRPC();
  const searchParams = useSearchParams();
  const filters = useMemo(() => readAuditFilters(new URLSearchParams(searchParams)), [searchParams]);
  const { cursor } = readCursorState(new URLSearchParams(searchParams));
  const setParams = useSetListParams();
  const entries = useQuery({
    ...trpc.audit.list.queryOptions({ filter: toQueryFilter(filters), cursor, limit: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  const actors = useQuery(trpc.audit.actors.queryOptions());
  const [action, setAction] = useState(filters.action ?? '');

  return (
    <>
      <PageHeader
        title="Audit trail"
        description="Every change made through the console or the API: who, what, when, from where, and how it ended. Newest first. Secrets are never recorded."
        actions={
          <a
            href={exportHref(filters)}
            download
            className="inline-flex h-9 items-center gap-2 rounded-md border border-line-strong bg-surface px-3 text-sm font-medium text-fg hover:bg-surface-muted focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
          >
            <Download aria-hidden="true" className="size-4" />
            Export CSV
          </a>
        }
      />
      <form
        aria-label="Filter audit entries"
        className="mb-6 flex flex-wrap items-end gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          setParams({ action: action.trim() });
        }}
      >
        <FilterSelect
          id="audit-actor"
          label="Actor"
          value={filters.actor}
          onChange={(actor) => setParams({ actor })}
          anyLabel="Anyone"
          options={(actors.data ?? []).map((actor) => ({ value: actor.label, label: actor.name }))}
        />
        <div className="flex flex-col gap-1">
          <Label htmlFor="audit-action">Action</Label>
          <Input
            id="audit-action"
            value={action}
            placeholder="e.g. jobs. or backups.start"
            onChange={(event) => setAction(event.target.value)}
            onBlur={() => action.trim() !== (filters.action ?? '') && setParams({ action: action.trim() })}
            className="w-56"
          />
        </div>
        <FilterSelect
          id="audit-outcome"
          label="Outcome"
          value={filters.outcome}
          onChange={(outcome) => setParams({ outcome })}
          anyLabel="Any outcome"
          options={AUDIT_OUTCOMES.map((outcome) => ({ value: outcome, label: OUTCOME_LABELS[outcome] }))}
        />
        <div className="flex flex-col gap-1">
          <Label htmlFor="audit-from">From</Label>
          <Input
            id="audit-from"
            type="datetime-local"
            value={filters.from ?? ''}
            onChange={(event) => setParams({ from: event.target.value })}
            className="w-52"
          />
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="audit-to">To</Label>
          <Input
            id="audit-to"
            type="datetime-local"
            value={filters.to ?? ''}
            onChange={(event) => setParams({ to: event.target.value })}
            className="w-52"
          />
        </div>
        <Button type="submit" variant="secondary">
          Apply
        </Button>
      </form>

      <Card>
        <CardContent className="pt-6">
          {entries.isPending ? (
            <LoadingState label="Loading audit entries…" />
          ) : entries.isError ? (
            <ErrorState error={entries.error} title="Could not load the audit trail" />
          ) : entries.data.items.length > 0 ? (
            <DataTable
              columns={columns}
              rows={entries.data.items}
              getRowId={(row) => row.id}
              caption="Audit entries, newest first"
              isBusy={entries.isPlaceholderData}
              page={{ nextCursor: entries.data.nextCursor, noun: 'entries' }}
            />
          ) : (
            <EmptyState>No audit entry matches these filters.</EmptyState>
          )}
        </CardContent>
      </Card>
      <ChainCheck />
    </>
  );
}

/** Walks the whole hash chain on demand (it reads every entry), as `migawka audit verify` does. */
function ChainCheck() {
  const trpc = useTRPC();
  const [asked, setAsked] = useState(false);
  const verify = useQuery({ ...trpc.audit.verify.queryOptions(), enabled: asked });
  return (
    <section aria-label="Chain check" className="mt-6 flex flex-wrap items-center gap-3 text-sm text-fg-soft">
      <Button type="button" variant="secondary" onClick={() => (asked ? verify.refetch() : setAsked(true))}>
        <ShieldCheck aria-hidden="true" className="size-4" />
        Verify the chain
      </Button>
      <p aria-live="polite">
        {!asked
          ? 'Checks that no entry was edited or removed since it was written.'
          : verify.isFetching
            ? 'Checking every entry…'
            : verify.isError
              ? `Could not check: ${verify.error.message}`
              : verify.data?.ok
                ? `Intact: ${verify.data.checked} entries checked, every hash matches.`
                : verify.data
                  ? `BROKEN at entry ${verify.data.break.entry.seq} (${verify.data.break.entry.action}, ${formatTime(verify.data.break.entry.at)}): ${verify.data.break.reason}.`
                  : null}
      </p>
    </section>
  );
}

const columns: DataTableColumn<AuditRow>[] = [
  {
    id: 'time',
    header: 'Time',
    meta: { className: 'whitespace-nowrap' },
    cell: ({ row: { original: row } }) => (
      <>
        {formatTime(row.at)}
        <div className="text-xs text-fg-subtle">#{row.seq}</div>
      </>
    ),
  },
  {
    id: 'actor',
    header: 'Actor',
    cell: ({ row: { original: row } }) => (
      <>
        {row.actorName}
        <div className="text-xs text-fg-subtle">
          {row.actorLabel}
          {row.actorRole ? ` · ${roleLabelOf(row.actorRole)}` : ''}
        </div>
      </>
    ),
  },
  {
    id: 'action',
    header: 'Action',
    cell: ({ row: { original: row } }) => (
      <>
        <code className="text-sm">{row.action}</code>
        {row.objects.length > 0 ? (
          <ul className="mt-1 text-xs text-fg-muted">
            {row.objects.map((object) => (
              <li key={`${object.kind}:${object.id}`}>
                {object.kind} {object.name ?? object.id}
                {object.name ? <span className="text-fg-muted"> ({object.id})</span> : null}
              </li>
            ))}
          </ul>
        ) : null}
      </>
    ),
  },
  {
    id: 'outcome',
    header: 'Outcome',
    cell: ({ row: { original: row } }) => (
      <>
        <Badge tone={OUTCOME_TONES[row.outcome]}>{OUTCOME_LABELS[row.outcome]}</Badge>
        {row.message ? <p className="mt-1 max-w-sm text-xs text-fg-soft">{row.message}</p> : null}
      </>
    ),
  },
  {
    id: 'from',
    header: 'From',
    meta: { className: 'text-xs text-fg-muted' },
    cell: ({ row: { original: row } }) => (
      <>
        {row.ip ?? '—'}
        {row.userAgent ? (
          <div className="max-w-48 truncate" title={row.userAgent}>
            {row.userAgent}
          </div>
        ) : null}
      </>
    ),
  },
  {
    id: 'input',
    header: 'Input',
    cell: ({ row: { original: row } }) =>
      row.input === null ? (
        <span className="text-xs text-fg-subtle">none</span>
      ) : (
        <details>
          <summary className="cursor-pointer text-xs text-accent">Show input</summary>
          <pre className="mt-1 max-w-md overflow-x-auto whitespace-pre-wrap break-all text-xs">
            {JSON.stringify(row.input, null, 2)}
          </pre>
        </details>
      ),
  },
];
