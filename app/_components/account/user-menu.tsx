'use client';

import { LogOut } from 'lucide-react';
import Link from 'next/link';
import { Button } from '@/app/_components/ui/button';
import { signOut } from '@/app/_lib/auth-client';
import { useMe } from '@/app/_lib/use-me';

/** The header's right side: who is signed in (and as what), their sessions, and sign-out. */
export function UserMenu() {
  const me = useMe();
  if (!me) return null;
  return (
    <section className="flex items-center gap-3 text-sm" aria-label="Signed-in user">
      <span className="text-fg-soft">
        Signed in as <strong className="font-semibold text-fg">{me.user.name}</strong>{' '}
        <span className="rounded bg-surface-strong px-1.5 py-0.5 text-xs text-fg-soft">{me.roleLabel}</span>
      </span>
      <Link href="/account/sessions" className="text-accent underline underline-offset-2 hover:decoration-2">
        My sessions
      </Link>
      <Button variant="secondary" size="sm" onClick={() => void signOut()}>
        <LogOut aria-hidden="true" className="size-4" />
        Sign out
      </Button>
    </section>
  );
}
