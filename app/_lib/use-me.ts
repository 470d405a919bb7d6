'use client';

import { useQuery } from '@tanstack/react-query';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';

export type Me = RouterOutputs['account']['me'];

/**
 * Who is signed in and what the console may offer them. Pages hide what the role cannot do (the
 * server refuses it anyway); while this loads, nothing that needs a capability is shown.
 */
export function useMe(): Me | undefined {
  const trpc = useTRPC();
  return useQuery(trpc.account.me.queryOptions(undefined, { staleTime: 60_000 })).data;
}
