import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { Suspense } from 'react';
import { needsSetupNow, principalOfPageRequest } from '@/server/auth/http';
import { getConfig } from '@/server/config';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage() {
  if (await needsSetupNow()) redirect('/setup');
  if (await principalOfPageRequest(await headers())) redirect('/');
  return (
    <div className="mx-auto mt-24 w-full max-w-sm">
      <h1 className="mb-1 text-2xl font-semibold tracking-tight text-fg">Sign in to Migawka</h1>
      <p className="mb-6 text-sm text-fg-muted">Use the account an admin made for you.</p>
      <Suspense>
        <SignInForm directoryLabel={getConfig().auth.oidc?.label ?? null} />
      </Suspense>
    </div>
  );
}
