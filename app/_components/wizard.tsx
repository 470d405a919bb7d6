'use client';

import { Check } from 'lucide-react';
import Link from 'next/link';
import { type ComponentProps, type ReactNode, useEffect, useRef } from 'react';
import { get as getAtPath } from 'react-hook-form';
import { cn } from '@/app/_lib/cn';

export interface WizardStep<K extends string> {
  key: K;
  label: string;
}

/**
 * The wizard's progress: an ordered list, the current step marked with aria-current="step".
 * Steps already passed are links (back/forward in the URL keeps the form state).
 */
export function WizardProgress<K extends string>({
  steps,
  current,
  hrefOf,
  reachable,
  label,
}: {
  steps: readonly WizardStep<K>[];
  current: K;
  hrefOf: (key: K) => string;
  /** Steps the operator may jump to (the earlier ones). */
  reachable: (key: K) => boolean;
  label: string;
}) {
  const currentIndex = steps.findIndex((step) => step.key === current);
  return (
    <nav aria-label={label} className="mb-6">
      <ol className="flex flex-wrap gap-2">
        {steps.map((step, index) => {
          const isCurrent = step.key === current;
          const isDone = index < currentIndex;
          const content = (
            <>
              <span
                aria-hidden="true"
                className={cn(
                  'flex size-6 items-center justify-center rounded-full border text-xs font-semibold',
                  isCurrent && 'border-brand-600 bg-brand-600 text-white',
                  isDone && 'border-brand-600 text-accent',
                  !isCurrent && !isDone && 'border-line-strong text-fg-subtle',
                )}
              >
                {isDone ? <Check className="size-3.5" /> : index + 1}
              </span>
              <span>{step.label}</span>
            </>
          );
          const className = cn(
            'flex items-center gap-2 rounded-md px-2 py-1 text-sm',
            isCurrent ? 'font-semibold text-fg' : 'text-fg-muted',
          );
          return (
            <li key={step.key} aria-current={isCurrent ? 'step' : undefined}>
              {!isCurrent && reachable(step.key) ? (
                <Link
                  href={hrefOf(step.key)}
                  className={cn(
                    className,
                    'hover:bg-surface-strong focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500',
                  )}
                >
                  {content}
                </Link>
              ) : (
                <span className={className}>{content}</span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** A step's heading; it takes focus when the step changes so keyboard and screen-reader users land on it. */
export function StepHeading({ children, stepKey }: { children: ReactNode; stepKey: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus again whenever the step changes
  useEffect(() => {
    ref.current?.focus();
  }, [stepKey]);
  return (
    <h2 ref={ref} tabIndex={-1} className="mb-1 text-lg font-semibold text-fg focus:outline-none">
      {children}
    </h2>
  );
}

export function FieldErrorText({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="mt-1 text-sm text-danger">
      {message}
    </p>
  );
}

/** A native checkbox: labelled by its wrapping label, keyboard and screen readers for free. */
export function Checkbox({ className, ...props }: ComponentProps<'input'>) {
  return (
    <input
      type="checkbox"
      className={cn(
        'mt-0.5 size-4 shrink-0 rounded border-line-strong accent-brand-600 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500',
        className,
      )}
      {...props}
    />
  );
}

/** The row of buttons under a step. */
export function WizardActions({ children }: { children: ReactNode }) {
  return <div className="mt-6 flex items-center gap-3 border-t border-line pt-4">{children}</div>;
}

/**
 * The message of a react-hook-form error at a dotted path ("job.schedule.cron"), if any. Read with
 * the library's own `get`, which splits a path as it did when it stored the error: a path holding
 * a VM id with `.`, `[` or `]` finds the error the resolver put there.
 */
export function errorMessageAt(errors: unknown, path: string): string | undefined {
  const message = (getAtPath(errors, path) as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
