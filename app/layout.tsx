import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { Toaster } from 'sonner';
import './globals.css';
import { AppShell } from './_components/app-shell';
import { TrpcProviders } from './_lib/trpc';
import { OperationFollowerProvider } from './operations/_components/operation-follower';

export const metadata: Metadata = {
  title: { default: 'Migawka', template: '%s · Migawka' },
  description: 'Protect virtual machines: inventory, prerequisite checks, backup methods.',
  icons: { icon: { url: '/icon.svg', type: 'image/svg+xml' } },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered per request, never prerendered: Next stamps the request's CSP nonce (proxy.ts) on its
  // inline scripts only while rendering, and a page built ahead of time would carry none.
  await connection();
  return (
    <html lang="en">
      <body>
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:px-3 focus:py-2 focus:shadow"
        >
          Skip to content
        </a>
        <TrpcProviders>
          <OperationFollowerProvider>
            <AppShell>{children}</AppShell>
          </OperationFollowerProvider>
          {/*
            Top centre, below the header: clear of the header's search and menu, of the page header's
            action buttons (top right) and of the wizards' Back / Next / Run buttons under the form.
          */}
          <Toaster richColors position="top-center" offset={{ top: 64 }} />
        </TrpcProviders>
      </body>
    </html>
  );
}
