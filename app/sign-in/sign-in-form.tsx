'use client';

import { useSearchParams } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { Alert } from '@/app/_components/ui/alert';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { safeNext, signIn, signInWithDirectory } from '@/app/_lib/auth-client';

/** `directoryLabel`: the organisation's directory, when directory sign-in (OpenID Connect) is configured. */
export function SignInForm({ directoryLabel }: { directoryLabel: string | null }) {
  const searchParams = useSearchParams();
  const next = safeNext(searchParams.get('next'));
  // A directory sign-in the console refused comes back here with why (no mapped group, disabled).
  const [error, setError] = useState<string | null>(searchParams.get('error'));
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await signIn(String(form.get('email') ?? ''), String(form.get('password') ?? ''));
    if (result.ok) {
      window.location.assign(next);
      return;
    }
    setPending(false);
    setError(result.message);
  }

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4" aria-label="Sign in">
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="email">Email</Label>
        <Input id="email" name="email" type="email" autoComplete="username" required autoFocus />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="password">Password</Label>
        <Input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      {error ? (
        <Alert tone="danger" role="alert" aria-label="Sign-in error">
          {error}
        </Alert>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
      {directoryLabel ? (
        <Button
          type="button"
          variant="secondary"
          disabled={pending}
          onClick={async () => {
            setPending(true);
            const result = await signInWithDirectory(next);
            setPending(false);
            setError(result.message);
          }}
        >
          Sign in with {directoryLabel}
        </Button>
      ) : null}
    </form>
  );
}
