import { describe, expect, it } from 'vitest';
import { forwardedFor } from './peer-address';

describe('forwardedFor', () => {
  it.each<[claimed: string | string[] | undefined, trustedProxy: boolean, handedOn: string | undefined]>([
    [undefined, false, '10.1.2.3'],
    ['203.0.113.9', false, '10.1.2.3'],
    [['203.0.113.9', '198.51.100.4'], false, '10.1.2.3'],
    [undefined, true, '10.1.2.3'],
    ['', true, '10.1.2.3'],
    ['203.0.113.9', true, '203.0.113.9'],
    [['203.0.113.9', '198.51.100.4'], true, '203.0.113.9, 198.51.100.4'],
  ])('X-Forwarded-For %j, trusted proxy %s → %j', (claimed, trustedProxy, handedOn) => {
    expect(forwardedFor(claimed, '10.1.2.3', trustedProxy)).toBe(handedOn);
  });
});
