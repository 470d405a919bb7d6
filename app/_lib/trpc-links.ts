/**
 * The console's tRPC links, apart from the React provider so a test can talk through them to a real
 * HTTP server.
 *
 * A query travels in its URL (GET), where its input is percent-encoded JSON. Node refuses a request
 * whose line and headers pass 16 KiB (431), and proxies often cut sooner; a backup review of a few
 * hundred VMs with Hyper-V's GUID ids is past that. So a query whose input is long goes as a POST
 * (tRPC's method override, allowed by the server for queries only: a mutation is never a GET), and
 * batches of short ones are split before their URL grows past the same bound.
 */
import { httpBatchLink, httpSubscriptionLink, type Operation, splitLink, type TRPCLink } from '@trpc/client';
import superjson from 'superjson';
import { CONSOLE_BATCH_SIZE, MAX_QUERY_URL_LENGTH } from '@/server/http-limits';
import type { AppRouter } from '@/server/trpc/root';

type Fetch = NonNullable<Parameters<typeof httpBatchLink>[0]['fetch']>;

/**
 * Whether the query's input, encoded as its URL would carry it, takes more than half of
 * MAX_QUERY_URL_LENGTH: the other half is left to the path and to shorter calls batched with it.
 */
export function hasLongInput(operation: Pick<Operation, 'type' | 'input'>): boolean {
  if (operation.type !== 'query' || operation.input === undefined) return false;
  return encodeURIComponent(superjson.stringify(operation.input)).length > MAX_QUERY_URL_LENGTH / 2;
}

export function consoleLinks(url: string, fetch?: Fetch): TRPCLink<AppRouter>[] {
  // The server refuses batches over MIGAWKA_MAX_BATCH_SIZE, which may not be set below CONSOLE_BATCH_SIZE.
  const batch = { url, transformer: superjson, maxItems: CONSOLE_BATCH_SIZE, fetch } as const;
  return [
    splitLink({
      condition: (operation) => operation.type === 'subscription',
      true: httpSubscriptionLink({ url, transformer: superjson }),
      false: splitLink({
        condition: hasLongInput,
        true: httpBatchLink({ ...batch, methodOverride: 'POST' }),
        false: httpBatchLink({ ...batch, maxURLLength: MAX_QUERY_URL_LENGTH }),
      }),
    }),
  ];
}
