import { describe, expect, it } from 'vitest';
import type { Finding, ObjectRef } from '../types';
import { type FindingWords, LazilyWordedFinding } from './lazy-finding';

const vm: ObjectRef = Object.freeze({ kind: 'vm', id: 'vm-1', name: 'web01' });
const host: ObjectRef = Object.freeze({ kind: 'host', id: 'host-1', name: 'hv-01' });

function counting() {
  const calls = { message: 0, remedy: 0, objects: 0 };
  const words: FindingWords<ObjectRef, ObjectRef, string> = {
    message(v, h, why) {
      calls.message++;
      return `VM '${v.name}' on host '${h.name}': ${why}.`;
    },
    remedy(v) {
      calls.remedy++;
      return `Fix '${v.name}'.`;
    },
    objects(v, h) {
      calls.objects++;
      return [v, h];
    },
  };
  const finding = new LazilyWordedFinding(
    'HV-OFFLINE-BACKUP',
    'warning',
    'vm-1',
    [],
    words,
    vm,
    host,
    'saved',
  );
  return { finding, calls };
}

const plain: Finding = {
  ruleId: 'HV-OFFLINE-BACKUP',
  severity: 'warning',
  vmId: 'vm-1',
  methods: [],
  message: "VM 'web01' on host 'hv-01': saved.",
  remedy: "Fix 'web01'.",
  objects: [vm, host],
};

describe('LazilyWordedFinding', () => {
  it('reads as the plain finding through JSON, spreads, structuredClone and toEqual, keys in order', () => {
    const { finding } = counting();
    expect(JSON.stringify(finding)).toBe(JSON.stringify(plain));
    expect(Object.keys(finding)).toEqual(Object.keys(plain));
    expect({ ...finding }).toStrictEqual(plain);
    expect(structuredClone(finding)).toStrictEqual(plain);
    expect(finding).toEqual(plain);
  });

  it('words nothing until read, then each part once', () => {
    const { finding, calls } = counting();
    expect(finding.ruleId).toBe('HV-OFFLINE-BACKUP');
    expect(calls).toEqual({ message: 0, remedy: 0, objects: 0 });
    const first = finding.message;
    expect(finding.message).toBe(first);
    expect(finding.objects).toBe(finding.objects);
    expect(calls).toEqual({ message: 1, remedy: 0, objects: 1 });
  });

  it('keeps an assigned value in place of the worded one', () => {
    const { finding, calls } = counting();
    finding.message = 'replaced';
    finding.remedy = 'none';
    finding.objects = [vm];
    expect(JSON.parse(JSON.stringify(finding))).toMatchObject({
      message: 'replaced',
      remedy: 'none',
      objects: [vm],
    });
    expect(calls).toEqual({ message: 0, remedy: 0, objects: 0 });
  });
});
