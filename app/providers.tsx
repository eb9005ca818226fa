'use client';
/**
 * Client providers: one QueryClient per browser tab (fresh per request on the server) and the
 * tRPC client. Subscriptions (run.events) go over SSE with httpSubscriptionLink; everything
 * else is batched (at most MAX_BATCH_CALLS calls a request) and streamed with httpBatchStreamLink.
 * A 401 sends the tab to the login page (session.ts).
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchStreamLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { useState, type ReactNode } from 'react';
import { MAX_BATCH_CALLS } from './api/trpc/limits';
import { fetchOrLogin } from './session';
import { TRPCProvider, type AppRouter } from './trpc';

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 5_000, refetchOnWindowFocus: false, retry: 1 },
    },
  });
}

let browserQueryClient: QueryClient | undefined;

function getQueryClient(): QueryClient {
  if (typeof window === 'undefined') return makeQueryClient();
  return (browserQueryClient ??= makeQueryClient());
}

const url = '/api/trpc';

export function Providers({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url }),
          false: httpBatchStreamLink({ url, fetch: fetchOrLogin, maxItems: MAX_BATCH_CALLS }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
