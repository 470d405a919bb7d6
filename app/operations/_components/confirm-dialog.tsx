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

const CONTENT_SIZES = {
  default: 'top-1/3 w-[min(28rem,90vw)]',
  // Room for an impact to read (a restore's steps and the VMs it rolls back), scrolled when longer.
  wide: 'top-1/2 max-h-[85vh] w-[min(40rem,92vw)] overflow-y-auto',
};

/**
 * Asks before a consequential action (cancel an operation, delete a job). Radix's alert dialog
 * traps focus, puts it on the cancel button, labels itself with its title and returns focus to the
 * trigger on close. With `typedName`, the action stays disabled until that name is typed exactly,
 * and `onConfirm` gets it. `canConfirm` false keeps it disabled whatever is typed (what the dialog
 * shows is still loading, or says the action cannot run); `onOpenChange` lets it load on opening.
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
  canConfirm = true,
  onOpenChange,
  size = 'default',
}: {
  trigger: ReactNode;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: (typed: string) => void;
  isDestructive?: boolean;
  typedName?: TypedName;
  canConfirm?: boolean;
  onOpenChange?: (isOpen: boolean) => void;
  size?: keyof typeof CONTENT_SIZES;
}) {
  const [typed, setTyped] = useState('');
  const inputId = useId();
  const isConfirmed = canConfirm && (!typedName || typed.trim() === typedName.name);
  return (
    <AlertDialog.Root
      onOpenChange={(isOpen) => {
        setTyped('');
        onOpenChange?.(isOpen);
      }}
    >
      <AlertDialog.Trigger asChild>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <AlertDialog.Content
          className={`fixed left-1/2 z-50 -translate-x-1/2 -translate-y-1/2 rounded-lg border border-line bg-surface p-5 shadow-lg focus:outline-none ${CONTENT_SIZES[size]}`}
        >
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
