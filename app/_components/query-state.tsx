'use client';

import { Alert, AlertTitle } from './ui/alert';

/** Loading placeholder announced politely to screen readers. */
export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" aria-live="polite" className="flex items-center gap-2 px-1 py-6 text-sm text-fg-muted">
      <span
        aria-hidden="true"
        className="size-4 animate-spin rounded-full border-2 border-line-strong border-t-brand-600"
      />
      {label}
    </p>
  );
}

/** Shows the server's own message, which names what went wrong. */
export function ErrorState({ error, title = 'Could not load this' }: { error: unknown; title?: string }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert tone="danger" role="alert">
      <AlertTitle>{title}</AlertTitle>
      <p>{message}</p>
    </Alert>
  );
}

export function EmptyState({ children }: { children: React.ReactNode }) {
  return <p className="px-1 py-6 text-sm text-fg-muted">{children}</p>;
}
