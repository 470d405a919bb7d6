'use client';

import { Command } from 'cmdk';
import { useDeferredValue, useState } from 'react';
import { fieldClassName } from '@/app/_components/ui/input';
import { cn } from '@/app/_lib/cn';

/** How many matches a picker asks the server for; more means "type more of the name". */
export const PICKER_MATCHES_SHOWN = 20;

/** What the operator has typed into a picker and whether its list is open. */
export interface TypeAhead {
  text: string;
  setText: (text: string) => void;
  isOpen: boolean;
  setIsOpen: (isOpen: boolean) => void;
  /** The typed name, trimmed, as the server is asked to match it (deferred while typing). */
  searched: string;
}

export function useTypeAhead(): TypeAhead {
  const [text, setText] = useState('');
  const [isOpen, setIsOpen] = useState(false);
  const searched = useDeferredValue(text.trim());
  return { text, setText, isOpen, setIsOpen, searched };
}

/** One match the server returned: its id, its name and a short fact beside it ("12 VMs"). */
export interface PickerMatch {
  id: string;
  name: string;
  detail?: string;
}

/**
 * A type-ahead picker over names the server matches (the host and VM pickers): cmdk gives the
 * combobox its keyboard (arrows, Enter, Escape) and ARIA roles. `anyLabel` offers "none" ('').
 */
export function TypeAheadPicker({
  label,
  noun,
  typeAhead,
  chosenName,
  matches,
  anyLabel,
  emptyMessage,
  onChange,
  className,
}: {
  /** Its visible label and, through cmdk's own label element, the input's accessible name. */
  label: string;
  /** What it picks, in words ("host", "VM"): the placeholder and the list's messages. */
  noun: string;
  typeAhead: TypeAhead;
  /** The chosen one's name, shown while the list is closed. */
  chosenName: string;
  matches: {
    items: PickerMatch[];
    isPending: boolean;
    error: { message: string } | null;
    hasMore: boolean;
  };
  anyLabel?: string;
  /** What an empty list says instead of "No VM named like …" (a pool not discovered yet). */
  emptyMessage?: string;
  onChange: (id: string) => void;
  className?: string;
}) {
  const { text, setText, isOpen, setIsOpen, searched } = typeAhead;
  const choose = (id: string) => {
    onChange(id);
    setText('');
    setIsOpen(false);
  };
  const itemClassName = 'cursor-pointer rounded px-2 py-1.5 text-sm data-[selected=true]:bg-accent-soft';
  return (
    <div className={cn('flex flex-col gap-1', className)}>
      {/* cmdk gives the input its own id and labels it with `label`; this is that label, seen. */}
      <span aria-hidden="true" className="text-sm font-medium text-fg-soft">
        {label}
      </span>
      <Command
        shouldFilter={false}
        label={label}
        className="relative"
        onKeyDown={(event) => {
          if (event.key === 'Escape') setIsOpen(false);
        }}
      >
        <Command.Input
          value={isOpen ? text : chosenName}
          onValueChange={(next) => {
            setText(next);
            setIsOpen(true);
          }}
          onFocus={() => setIsOpen(true)}
          onBlur={() => setIsOpen(false)}
          placeholder={`Type a ${noun} name…`}
          className={fieldClassName}
        />
        <Command.List
          hidden={!isOpen}
          label={`${noun[0].toUpperCase()}${noun.slice(1)}s matching the typed name`}
          className="absolute left-0 z-50 mt-1 max-h-80 w-full min-w-60 overflow-y-auto rounded-md border border-line bg-surface p-1 shadow-lg"
        >
          {matches.error ? (
            <p className="px-3 py-2 text-sm text-danger">
              Could not load {noun}s: {matches.error.message}
            </p>
          ) : matches.isPending ? (
            <Command.Loading>
              <p className="px-3 py-2 text-sm text-fg-muted">Loading {noun}s…</p>
            </Command.Loading>
          ) : (
            <Command.Empty className="px-3 py-2 text-sm text-fg-muted">
              {emptyMessage ?? `No ${noun} named like “${searched}”.`}
            </Command.Empty>
          )}
          {anyLabel !== undefined ? (
            <Command.Item
              value={`${noun}:any`}
              onSelect={() => choose('')}
              onMouseDown={(event) => event.preventDefault()}
              className={itemClassName}
            >
              {anyLabel}
            </Command.Item>
          ) : null}
          {matches.items.map((match) => (
            <Command.Item
              key={match.id}
              value={`${noun}:${match.id}`}
              onSelect={() => choose(match.id)}
              // Keep the input focused on click so onBlur does not close the list first.
              onMouseDown={(event) => event.preventDefault()}
              className={cn(itemClassName, 'flex items-baseline justify-between gap-3')}
            >
              <span className="font-medium text-fg">{match.name}</span>
              {match.detail ? <span className="text-xs text-fg-muted">{match.detail}</span> : null}
            </Command.Item>
          ))}
          {matches.hasMore ? (
            <p className="px-2 py-1.5 text-xs text-fg-muted">
              The first {PICKER_MATCHES_SHOWN} matches; type more of the name to narrow them.
            </p>
          ) : null}
        </Command.List>
      </Command>
    </div>
  );
}
