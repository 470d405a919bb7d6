/**
 * Verdicts an older engine stored are replaced when a worker starts with another one: the store
 * re-assesses the whole estate unless the engine that last did so had the same fingerprint, and
 * records the fingerprint in the same transaction. Run on both stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import type { Stores } from '../../db/stores/ports';
import { createServiceContext } from '../context';
import { evaluateInventory } from '../engine/evaluate';
import type { Inventory } from '../engine/inventory';
import { engineFingerprint, reassessIfEngineChanged } from './assessment-service';
import { importInventory } from './import-service';
import { countVms } from './inventory/vms';

const NOW = new Date('2026-05-04T08:00:00Z');
const ctx = { now: () => NOW };

/** An engine that called every VM ready: what an older, wrong rule could have stored. */
const everyVmReady = (whole: Inventory) =>
  evaluateInventory(whole).map((assessment) => ({ ...assessment, readiness: 'online-ready' as const }));

describe('engineFingerprint', () => {
  it('is one sha-256 per engine, the same on every call', () => {
    expect(engineFingerprint()).toMatch(/^[0-9a-f]{64}$/);
    expect(engineFingerprint()).toBe(engineFingerprint());
  });
});

describe.each(await storeDialects('engineupgrade'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('reassessIfEngineChanged', () => {
    let handle: DialectHandle;
    let stores: Stores;
    const blocked = async () => (await countVms(stores, ctx, { readiness: 'blocked' })).total;

    beforeEach(async () => {
      handle = await dialect.open();
      stores = handle.stores;
      await importInventory(stores, createServiceContext({ now: () => NOW }), demoLabInventory(), 'replace');
    });
    afterEach(() => handle.close());

    it('re-assesses an estate no engine is recorded for, then not again for the same engine', async () => {
      const truth = await blocked();
      expect(truth).toBeGreaterThan(0);
      await stores.inventory.reassess(everyVmReady);
      expect(await blocked()).toBe(0);

      const summary = await reassessIfEngineChanged(stores, ctx, 'engine-a');
      expect(summary?.assessedVms).toBe(demoLabInventory().vms.length);
      expect(await blocked()).toBe(truth);

      // Recorded: the same engine starting again writes nothing (the wrong verdicts put back stay).
      await stores.inventory.reassess(everyVmReady);
      expect(await reassessIfEngineChanged(stores, ctx, 'engine-a')).toBeNull();
      expect(await blocked()).toBe(0);
    });

    it('re-assesses when the engine that last did so was another', async () => {
      await reassessIfEngineChanged(stores, ctx, 'engine-a');
      await stores.inventory.reassess(everyVmReady);
      const summary = await reassessIfEngineChanged(stores, ctx, 'engine-b');
      expect(summary?.assessedVms).toBe(demoLabInventory().vms.length);
      expect(await blocked()).toBeGreaterThan(0);
      expect(await reassessIfEngineChanged(stores, ctx, 'engine-b')).toBeNull();
    });
  });
});
