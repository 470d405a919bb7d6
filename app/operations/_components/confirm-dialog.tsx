'use client';

import { AlertDialog } from 'radix-ui';
import { type ReactNode, useId, useState } from 'react';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';

/** A name the operator types before a delete; the server checks it too. */
export interface TypedName {
  /** What the name is, as the label says it: "the job's name". */
  what: string;
  name: string;
}

/**
 * Asks before a consequential action (cancel an operation, delete a job). Radix's alert dialog
 * traps focus, labels itself with its title and returns focus to the trigger on close. With
 * `typedName`, the action stays disabled until that name is typed exactly, and `onConfirm` gets it.
 */
export function ConfirmDialog({
  trigger,
  title,
  description,
  confirmLabel,
  cancelLabel = 'Keep it',
  onConfirm,
  isDestructive = false,
  typedName,
}: {
  trigger: ReactNode;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: (typed: string) => void;
  isDestructive?: boolean;
  typedName?: TypedName;
}) {
  const [typed, setTyped] = useState('');
  const inputId = useId();
  const isConfirmed = !typedName || typed.trim() === typedName.name;
  return (
    <AlertDialog.Root onOpenChange={() => setTyped('')}>
      <AlertDialog.Trigger asChild>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <AlertDialog.Content className="fixed left-1/2 top-1/3 z-50 w-[min(28rem,90vw)] -translate-x-1/2 -translate-y-1/2 rounded-lg border border-line bg-surface p-5 shadow-lg focus:outline-none">
          <AlertDialog.Title className="text-base font-semibold text-fg">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="mt-2 text-sm text-fg-soft">{description}</div>
          </AlertDialog.Description>
          {typedName ? (
            <div className="mt-4 flex flex-col gap-1">
              <Label htmlFor={inputId}>
                Type {typedName.what} <span className="font-mono font-semibold">{typedName.name}</span> to
                confirm
              </Label>
              <Input
                id={inputId}
                value={typed}
                autoComplete="off"
                onChange={(event) => setTyped(event.target.value)}
              />
            </div>
          ) : null}
          <div className="mt-5 flex justify-end gap-2">
            <AlertDialog.Cancel asChild>
              <Button variant="secondary">{cancelLabel}</Button>
            </AlertDialog.Cancel>
            <AlertDialog.Action asChild>
              <Button
                className={isDestructive ? 'bg-red-600 hover:bg-red-700' : undefined}
                disabled={!isConfirmed}
                onClick={() => onConfirm(typed)}
              >
                {confirmLabel}
              </Button>
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
