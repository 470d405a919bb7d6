'use client';

/**
 * The browser side of signing in and out: plain requests to the console's /api/auth routes
 * (server/auth/route.ts). A full page load follows either, so no cached answer of another user
 * survives.
 */
export async function signIn(
  email: string,
  password: string,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const response = await fetch('/api/auth/sign-in/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, rememberMe: true }),
  });
  if (response.ok) return { ok: true };
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (response.status === 401) return { ok: false, message: 'Wrong email or password.' };
  return { ok: false, message: body.message ?? `Sign-in failed (HTTP ${response.status}).` };
}

/**
 * Directory sign-in (OpenID Connect): the console answers with the provider's authorization URL,
 * which the browser follows; the provider sends it back to the console, then to `next`.
 */
export async function signInWithDirectory(next: string): Promise<{ ok: false; message: string } | never> {
  const response = await fetch('/api/auth/sign-in/social', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'oidc', callbackURL: next, errorCallbackURL: '/sign-in' }),
  });
  const body = (await response.json().catch(() => ({}))) as { url?: string; message?: string };
  if (response.ok && body.url) {
    window.location.assign(body.url);
    return new Promise(() => {});
  }
  return { ok: false, message: body.message ?? `Directory sign-in failed (HTTP ${response.status}).` };
}

export async function signOut(): Promise<void> {
  await fetch('/api/auth/sign-out', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  window.location.assign('/sign-in');
}

/** Stands for the console's own origin while a `next` is resolved; never requested. */
const OWN_ORIGIN = 'http://console.invalid';

/**
 * Where to go after signing in: the page that sent us here, if it is one of ours, as a path. It is
 * judged as the browser will resolve it, where `/\evil.example` and `/<tab>/evil.example` name another
 * site; the path given back starts with exactly one slash, so it cannot name a host either.
 */
export function safeNext(next: string | null): string {
  if (!next?.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, OWN_ORIGIN);
  } catch {
    return '/';
  }
  if (url.origin !== OWN_ORIGIN) return '/';
  return `/${url.pathname.replace(/^\/+/, '')}${url.search}${url.hash}`;
}
