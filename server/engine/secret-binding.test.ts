import { describe, expect, it } from 'vitest';
import { type BindingConnector, bindingProblem, endpointOf, reentryMismatch } from './secret-binding';

describe('endpointOf', () => {
  it.each<[string, BindingConnector, string, number | undefined, string]>([
    ['a Hyper-V host takes the port of its own field', 'hyperv', 'HV-01.Lab', 2222, 'hv-01.lab:2222'],
    ['a Hyper-V host on IPv6 keeps its brackets', 'hyperv', '[2001:DB8::20]', 22, '[2001:db8::20]:22'],
    ['a pool without a port is reached on 443', 'xapi', 'xcp1.lab', undefined, 'xcp1.lab:443'],
    ['a pool with a port is reached there', 'xapi', ' xcp1.lab:8443 ', undefined, 'xcp1.lab:8443'],
    ['a pool on IPv6 with a port', 'xapi', '[2001:db8::10]:8443', undefined, '[2001:db8::10]:8443'],
    ['an ONTAP cluster defaults to 443', 'ontap', '192.0.2.30', undefined, '192.0.2.30:443'],
    ['an EqualLogic group defaults to SSH on 22', 'equallogic', '192.0.2.40', undefined, '192.0.2.40:22'],
    ['a port written with a leading zero is the same port', 'ontap', 'c1:0443', undefined, 'c1:443'],
  ])('%s', (_behaviour, connector, address, port, endpoint) => {
    expect(endpointOf(connector, address, port)).toBe(endpoint);
  });
});

describe('bindingProblem', () => {
  const hvAdmin = { name: 'hv-admin', kind: 'password' as const, usedWith: ['hv-01.lab:22'] };
  it.each<[string, Parameters<typeof bindingProblem>, string | null]>([
    ['the endpoint it is used with is fine', [hvAdmin, 'hv-01.lab:22', 'test'], null],
    [
      'a secret no connection was saved with yet may go to its first',
      [{ ...hvAdmin, usedWith: [] }, 'hv-99.example:22', 'save'],
      null,
    ],
    [
      'another address is refused, in names, asking for the password to test',
      [hvAdmin, 'hv-99.example:22', 'test'],
      'The saved credential "hv-admin" is used with hv-01.lab:22 only; type its password to test against hv-99.example:22',
    ],
    [
      'the same host on another port is another endpoint',
      [hvAdmin, 'hv-01.lab:2222', 'save'],
      'The saved credential "hv-admin" is used with hv-01.lab:22 only; type its password to use it with hv-01.lab:2222',
    ],
    [
      'an SSH key is pasted, and every endpoint it is used with is named',
      [
        { name: 'dom0 key', kind: 'ssh-private-key', usedWith: ['a:443', 'b:443', 'c:443'] },
        'evil:443',
        'save',
      ],
      'The saved credential "dom0 key" is used with a:443, b:443 and c:443 only; paste its private key to use it with evil:443',
    ],
  ])('%s', (_behaviour, args, problem) => {
    expect(bindingProblem(...args)).toBe(problem);
  });

  it('a typed value that is not the stored one says so and how to go on', () => {
    expect(reentryMismatch(hvAdmin, 'hv-99.example:22')).toBe(
      'The password typed for "hv-admin" is not the one stored in the vault, so it is not used with hv-99.example:22; type it again, or store the account for hv-99.example:22 as a new vault account',
    );
  });
});
