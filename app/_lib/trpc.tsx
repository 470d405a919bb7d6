'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, isTRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { type ReactNode, useState } from 'react';
import type { AppRouter } from '@/server/trpc/root';
import { consoleLinks } from './trpc-links';

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export interface FieldError {
  path: string;
  message: string;
}

/** The field errors the server's errorFormatter attaches to BAD_REQUEST answers. */
export function fieldErrorsOf(error: unknown): FieldError[] {
  if (!isTRPCClientError<AppRouter>(error)) return [];
  return error.data?.fieldErrors ?? [];
}

/** Whether the server answered that the thing asked for does not exist (404), not any other failure. */
export function isNotFoundError(error: unknown): boolean {
  return isTRPCClientError(error) && error.data?.httpStatus === 404;
}

/** A 401 means the session ended (expired, revoked, user disabled): back to the sign-in page. */
function signInAgainOn401(error: unknown): void {
  if (!isTRPCClientError(error) || error.data?.httpStatus !== 401) return;
  const here = `${window.location.pathname}${window.location.search}`;
  window.location.assign(`/sign-in?next=${encodeURIComponent(here)}`);
}

function makeQueryClient() {
  return new QueryClient({
    queryCache: new QueryCache({ onError: signInAgainOn401 }),
    mutationCache: new MutationCache({ onError: signInAgainOn401 }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A 4xx answer (not found, bad filter) will not change by asking again.
        retry: (failureCount, error) => {
          const status = isTRPCClientError(error) ? error.data?.httpStatus : undefined;
          // (401/403 included: signing in again or another role is needed, not another try.)
          return (status === undefined || status >= 500) && failureCount < 2;
        },
      },
    },
  });
}

const endpoint = '/api/trpc';

export function TrpcProviders({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: consoleLinks(endpoint) }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
