'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { PICKER_MATCHES_SHOWN, TypeAheadPicker, useTypeAhead } from '@/app/_components/type-ahead-picker';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { STATE_NOT_READ } from '@/server/engine/words';

type Member = RouterOutputs['xapiPools']['testTargets']['items'][number];

/** The chosen VM or host of the pool: its id (the picker's value) and the name the test signs in to. */
export interface TestTarget {
  id: string;
  name: string;
}

const WORDS = {
  guest: {
    noun: 'VM',
    label: 'Test the guest account on',
    any: 'The first running Linux guest it can reach',
    undiscovered:
      'Pool not discovered yet: discover it to pick a VM by name. Until then the test signs in to the first running Linux guest it can reach.',
  },
  host: {
    noun: 'host',
    label: 'Test the host account on',
    any: "The pool master's dom0",
    undiscovered:
      "Pool not discovered yet: discover it to pick a host by name. Until then the test signs in to the pool master's dom0.",
  },
} as const;

function detailOf(member: Member): string | undefined {
  if (member.powerState === null) return undefined;
  // A state not read is said so, never shown as the state it is planned as.
  const power = member.powerStateUnknown ? STATE_NOT_READ : member.powerState;
  return `${member.osFamily}, ${power}, on ${member.hostName}`;
}

/**
 * Where an SSH account test signs in: one of the pool's own VMs (guest account) or hosts (host
 * account), by name, as its last discovery stored them; the server matches the typed name. The
 * test is sent the name (XAPI looks the VM or host up by its name label); none: the test's default.
 */
export function PoolTestTargetPicker({
  poolId,
  account,
  value,
  onChange,
}: {
  poolId: string;
  account: 'guest' | 'host';
  value: TestTarget | null;
  onChange: (target: TestTarget | null) => void;
}) {
  const trpc = useTRPC();
  const typeAhead = useTypeAhead();
  const words = WORDS[account];
  // Asked at once, not on opening: a pool not discovered yet is said under the picker before it is opened.
  const members = useQuery({
    ...trpc.xapiPools.testTargets.queryOptions({
      id: poolId,
      account,
      search: typeAhead.searched || undefined,
      limit: PICKER_MATCHES_SHOWN,
    }),
    placeholderData: keepPreviousData,
  });
  // Asked again on opening: the worker's first sync may have landed since the page was loaded.
  const { refetch } = members;
  useEffect(() => {
    if (typeAhead.isOpen) void refetch();
  }, [typeAhead.isOpen, refetch]);
  // The names of what the list showed: the picker hands back an id, the test wants the name.
  const shown = useRef(new Map<string, string>());
  for (const member of members.data?.items ?? []) shown.current.set(member.id, member.name);
  const undiscovered = members.data?.discovered === false;
  return (
    <div className="flex flex-col gap-1">
      <TypeAheadPicker
        label={words.label}
        noun={words.noun}
        typeAhead={typeAhead}
        chosenName={value?.name ?? words.any}
        matches={{
          items: (members.data?.items ?? []).map((member) => ({
            id: member.id,
            name: member.name,
            detail: detailOf(member),
          })),
          isPending: members.isPending,
          error: members.error,
          hasMore: members.data?.hasMore ?? false,
        }}
        anyLabel={words.any}
        emptyMessage={undiscovered ? words.undiscovered : undefined}
        onChange={(id) => {
          const name = shown.current.get(id);
          onChange(id === '' || name === undefined ? null : { id, name });
        }}
      />
      {undiscovered ? <span className="text-xs text-fg-muted">{words.undiscovered}</span> : null}
    </div>
  );
}
