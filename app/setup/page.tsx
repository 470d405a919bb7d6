import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { Suspense } from 'react';
import { needsSetupNow } from '@/server/auth/http';
import { SetupForm } from './setup-form';

export const metadata: Metadata = { title: 'Set up' };
export const dynamic = 'force-dynamic';

export default async function SetupPage() {
  if (!(await needsSetupNow())) redirect('/sign-in');
  return (
    <div className="mx-auto mt-16 w-full max-w-md">
      <h1 className="mb-1 text-2xl font-semibold tracking-tight text-fg">Set up Migawka</h1>
      <p className="mb-6 text-sm text-fg-muted">
        No account exists yet. Create the first admin with the setup token the server printed in its log when
        it started (the log line starting “No account exists yet”). A restart prints a new token.
      </p>
      <Suspense>
        <SetupForm />
      </Suspense>
    </div>
  );
}
