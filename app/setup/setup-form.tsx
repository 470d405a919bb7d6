'use client';

import { useMutation } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { Alert } from '@/app/_components/ui/alert';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { signIn } from '@/app/_lib/auth-client';
import { fieldErrorsOf, useTRPC } from '@/app/_lib/trpc';

function Field({
  name,
  label,
  errors,
  ...input
}: { name: string; label: string; errors: Map<string, string> } & React.ComponentProps<'input'>) {
  const error = errors.get(name);
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={`setup-${name}`}>{label}</Label>
      <Input
        id={`setup-${name}`}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `setup-${name}-error` : undefined}
        {...input}
      />
      {error ? (
        <p id={`setup-${name}-error`} className="text-sm text-danger">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function SetupForm() {
  const trpc = useTRPC();
  const token = useSearchParams().get('token') ?? '';
  const [mismatch, setMismatch] = useState(false);
  const [signInError, setSignInError] = useState<string | null>(null);
  const complete = useMutation(trpc.setup.complete.mutationOptions());
  const errors = new Map(fieldErrorsOf(complete.error).map((error) => [error.path, error.message]));

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (key: string) => String(form.get(key) ?? '');
    if (value('password') !== value('confirm')) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const created = await complete
      .mutateAsync({
        token: value('token'),
        name: value('name'),
        email: value('email'),
        password: value('password'),
      })
      .catch(() => null);
    if (!created) return;
    const signedIn = await signIn(created.email, value('password'));
    if (signedIn.ok) window.location.assign('/');
    else setSignInError(signedIn.message);
  }

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4" aria-label="Create the first admin">
      <Field
        name="token"
        label="Setup token"
        errors={errors}
        defaultValue={token}
        required
        autoComplete="off"
      />
      <Field name="name" label="Your name" errors={errors} required autoComplete="name" />
      <Field name="email" label="Email" type="email" errors={errors} required autoComplete="username" />
      <Field
        name="password"
        label="Password (at least 12 characters)"
        type="password"
        errors={errors}
        required
        autoComplete="new-password"
      />
      <Field
        name="confirm"
        label="Password again"
        type="password"
        errors={errors}
        required
        autoComplete="new-password"
      />
      {mismatch ? (
        <Alert tone="danger" role="alert">
          The two passwords differ.
        </Alert>
      ) : null}
      {complete.error && errors.size === 0 ? <MutationErrorAlert error={complete.error} /> : null}
      {signInError ? (
        <Alert tone="danger" role="alert">
          The admin was created, but signing in failed: {signInError}
        </Alert>
      ) : null}
      <Button type="submit" disabled={complete.isPending}>
        {complete.isPending ? 'Creating…' : 'Create the admin and sign in'}
      </Button>
    </form>
  );
}
