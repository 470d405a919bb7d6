/**
 * Where the sign-in page sends a user once signed in: only to a page of the console. A `next` the
 * browser would resolve to another site (a link crafted to land a freshly signed-in operator on a
 * look-alike page) goes to the home page instead.
 */
import { describe, expect, it } from 'vitest';
import { safeNext } from './auth-client';

describe('safeNext', () => {
  it.each([
    { next: null, goes: '/' },
    { next: '', goes: '/' },
    { next: '/', goes: '/' },
    { next: '/jobs', goes: '/jobs' },
    { next: '/vms?q=web&sort=name#top', goes: '/vms?q=web&sort=name#top' },
    { next: '/operations/op-1', goes: '/operations/op-1' },
    { next: 'https://evil.example/', goes: '/' },
    { next: 'evil.example', goes: '/' },
    { next: '//evil.example/', goes: '/' },
    { next: '/\\evil.example/', goes: '/' },
    { next: '/\t/evil.example/', goes: '/' },
    { next: '/\n/evil.example/', goes: '/' },
    { next: '/.//evil.example/', goes: '/evil.example/' },
  ])('$next goes to $goes', ({ next, goes }) => {
    expect(safeNext(next)).toBe(goes);
  });

  it('never gives back a path a browser reads as another host', () => {
    for (const next of ['/\\evil.example', '/\t/evil.example', '/.//evil.example', '/%2F/evil.example']) {
      const landed = new URL(safeNext(next), 'https://migawka.example.test');
      expect({ next, host: landed.host }).toEqual({ next, host: 'migawka.example.test' });
    }
  });
});
