/**
 * The collector document as Collect-MigawkaInventory.ps1 writes it: the fake host's answers in
 * Windows PowerShell 5.1's shapes (one object not wrapped, enums as numbers, `/Date(…)/`), put
 * together as the collector's main block does and serialised by the fake's ConvertTo-Json, in the
 * encodings 5.1 writes. It reads as a sync of the same host reads; the committed collector is the
 * one the repository's scripts build.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeTextBytes, parseJson } from '../../schemas/json-text';
import { collectedAsPowerShellWould } from './fake/collected-document';
import { readHypervCollection, unknownsOfCollection } from './hyperv-collection';
import { buildCollectorScript, COLLECTOR_FILE } from './hyperv-collector-script';
import { readScript } from './hyperv-scripts';

const ENCODINGS: [string, (text: string) => Uint8Array][] = [
  ['UTF-8 with a byte-order mark (Out-File -Encoding utf8)', (text) => Buffer.from(`\uFEFF${text}`, 'utf8')],
  ['UTF-16LE with a byte-order mark (Out-File, >)', (text) => Buffer.from(`\uFEFF${text}`, 'utf16le')],
  ['UTF-8 without a mark', (text) => Buffer.from(text, 'utf8')],
];

describe('the Hyper-V collector document', () => {
  const { json, expected } = collectedAsPowerShellWould();

  it.each(ENCODINGS)('reads as the sync of the same host does, written in %s', (_, encode) => {
    const parsed = parseJson(decodeTextBytes(encode(json)));
    if (!parsed.ok) throw new Error(parsed.fieldError.message);
    const read = readHypervCollection(parsed.value);
    if (!read.ok) throw new Error(JSON.stringify(read.fieldErrors));
    expect(read.inventory).toEqual(expected.inventory);
    expect(read.facts).toEqual(expected.facts);
    expect(read.collectedAt).toBe('2026-11-30T10:00:00.0000000Z');
  });

  it('names what it could not read: each guest without facts, and why', () => {
    const read = readHypervCollection(JSON.parse(json));
    if (!read.ok) throw new Error('not read');
    const unknowns = unknownsOfCollection(read.facts);
    expect(unknowns).toHaveLength(read.inventory.vms.length - 1);
    for (const line of unknowns)
      expect(line).toMatch(/: guest facts not read \(no guest credential was given to the collector\)$/);
  });

  it('reads a document older than StateName by number where every release numbers alike, never guessing past', () => {
    const document = JSON.parse(json);
    const vms = (document.vms as Record<string, unknown>[]).map(({ StateName, ...vm }, index) => {
      expect(StateName).toBeTypeOf('string');
      return { ...vm, State: [3, 32786, 6][index] };
    });
    const read = readHypervCollection({ ...document, vms });
    if (!read.ok) throw new Error(JSON.stringify(read.fieldErrors));
    expect(read.inventory.vms.map((vm) => [vm.powerState, vm.powerStateUnknown])).toEqual([
      ['off', null],
      ['running', 'Hyper-V reports state 32786, which Migawka does not know'],
      ['saved', null],
    ]);
  });

  it.each([
    [
      'a host without its name',
      (d: Record<string, unknown>) => ({ ...d, host: { ...(d.host as object), ComputerName: undefined } }),
      'host.ComputerName',
    ],
    ['a newer document version', (d: Record<string, unknown>) => ({ ...d, version: 2 }), 'version'],
    [
      'a VM whose state is text',
      (d: Record<string, unknown>) => ({ ...d, vms: [{ ...(d.vms as object[])[0], State: 'Running' }] }),
      'vms.0.State',
    ],
  ])('refuses %s, naming the field', (_, change, path) => {
    const read = readHypervCollection(change(JSON.parse(json)));
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.fieldErrors.map((error) => error.path)).toContain(path);
  });
});

describe('Collect-MigawkaInventory.ps1', () => {
  const committed = readFileSync(path.join(import.meta.dirname, '..', '..', '..', COLLECTOR_FILE), 'utf8');

  it('is what the repository scripts build (run `npm run collector:build` after changing one)', () => {
    expect(committed).toBe(buildCollectorScript());
  });

  it.each(['host-facts', 'list-vms', 'guest-facts'] as const)('holds %s.ps1 verbatim', (name) => {
    expect(committed).toContain(`# --- begin ${name}.ps1\n${readScript(name)}\n# --- end ${name}.ps1`);
  });
});
