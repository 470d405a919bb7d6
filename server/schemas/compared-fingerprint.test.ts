import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { acceptArrayCertificateInput } from './array-connections';
import { acceptHypervHostKeyInput, acceptHypervNodeHostKeyInput } from './hyperv-connections';
import { acceptXapiCertificateInput } from './xapi-pools';

const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

describe.each<[string, z.ZodType, Record<string, string>]>([
  ["a Hyper-V host's key", acceptHypervHostKeyInput, { id: 'c1' }],
  ["a Hyper-V cluster node's key", acceptHypervNodeHostKeyInput, { id: 'c1', endpoint: 'hv02:22' }],
  ["an array's certificate or key", acceptArrayCertificateInput, { id: 'c1' }],
  ["a pool host's certificate", acceptXapiCertificateInput, { id: 'p1', endpoint: '192.0.2.10' }],
])('accepting %s', (_, schema, target) => {
  it('takes the fingerprint the admin was shown, trimmed', () => {
    expect(schema.parse({ ...target, fingerprint: ` ${FINGERPRINT} ` })).toEqual({
      ...target,
      fingerprint: FINGERPRINT,
    });
  });

  it.each([
    ['left out', {}],
    ['null', { fingerprint: null }],
    ['empty', { fingerprint: '' }],
    ['blank', { fingerprint: '   ' }],
  ])('refuses a fingerprint %s, naming the field', (_, given) => {
    const result = schema.safeParse({ ...target, ...given });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['fingerprint', 'Give the fingerprint you were shown and compared'],
    ]);
  });
});
