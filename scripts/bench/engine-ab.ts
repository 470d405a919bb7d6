/**
 * A/B of the engine in one process: the working tree's `evaluateInventory` against a snapshot of an
 * earlier engine, on the same generated estate, interleaved, timed in CPU time (the machine is
 * shared: wall time moves with the other jobs, this process's CPU time much less), each beside the
 * indexing floor of the bench's evaluation scenario. Also checks that both give the same assessment:
 * the sha-256 of the JSON of the demo lab's and of a generated 5,000-VM estate's assessment must be
 * equal, else the run exits 1. Allocation per evaluation is sampled with the inspector's heap
 * profiler, counting objects collected young (what the garbage collector pays for).
 *
 *   mkdir -p data/engine-before && git archive <ref> server/engine | tar -x -C data/engine-before
 *   nice npx tsx scripts/bench/engine-ab.ts --before data/engine-before [--vms 20000] [--runs 9]
 *
 * Keep the snapshot inside the checkout (data/ is ignored by git and tsc): tsx compiles a file
 * outside it without the project's tsconfig, and the two engines then differ in how their classes
 * are compiled; from /tmp, the same engine measured 0.81–0.84× "itself".
 *
 * Not part of `npm run bench`: a tool for work on the engine.
 */
import { createHash } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { generateLargeEstate } from '../../db/seed/large-estate';
import { evaluateInventory } from '../../server/engine/evaluate';
import { evaluateAroundHost, withHost } from '../../server/engine/incremental';
import { type Inventory, indexInventory } from '../../server/engine/inventory';
import { percentile } from './stats';

type Evaluate = (inventory: Inventory) => unknown;

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    vms: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '9' },
  },
});
if (!values.before)
  throw new Error('--before <directory holding server/engine of the earlier engine> is needed');

function hashOf(evaluate: Evaluate, inventory: Inventory): string {
  return createHash('sha256')
    .update(JSON.stringify(evaluate(inventory)))
    .digest('hex');
}

function cpuMs(fn: () => unknown): number {
  const started = process.cpuUsage();
  fn();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/** Bytes allocated by one call, sampled (every 32 KiB on average), including objects collected young. */
async function allocatedBytes(session: Session, fn: () => unknown): Promise<number> {
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 32 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  fn();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  // Node's types leave out `samples` (one per sampled allocation, with its size), which V8 sends.
  const { samples } = profile as typeof profile & { samples: { size: number }[] };
  let total = 0;
  for (const sample of samples) total += sample.size;
  return total;
}

async function main() {
  const beforeModule = await import(path.resolve(values.before as string, 'server/engine/evaluate.ts'));
  const before: Evaluate = beforeModule.evaluateInventory;
  const after: Evaluate = evaluateInventory;

  for (const [label, inventory] of [
    ['demo lab', demoLabInventory()],
    ['5,000 VMs', generateLargeEstate({ hosts: 250, vms: 5_000 })],
  ] as const) {
    const [a, b] = [hashOf(before, inventory), hashOf(after, inventory)];
    console.log(
      `${label}: before ${a.slice(0, 16)} after ${b.slice(0, 16)} ${a === b ? 'same' : 'DIFFERENT'}`,
    );
    if (a !== b) process.exitCode = 1;
  }

  const vms = Number(values.vms);
  const inventory = generateLargeEstate({ hosts: Math.max(1, Math.round(vms / 20)), vms });
  const runs = Number(values.runs);
  const samples = { before: [] as number[], after: [] as number[], floor: [] as number[] };
  for (let i = 0; i < 2; i++) {
    before(inventory);
    after(inventory);
  }
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first so neither always runs right after the other's garbage.
    const order = i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    samples.floor.push(cpuMs(() => indexInventory(inventory)));
    for (const which of order)
      samples[which].push(cpuMs(() => (which === 'before' ? before : after)(inventory)));
  }
  const median = (list: number[]) => percentile(list, 50);
  const floor = median(samples.floor);
  console.log(`${vms} VMs, ${runs} runs, CPU ms (median): floor (indexing) ${floor.toFixed(0)}`);
  for (const which of ['before', 'after'] as const) {
    const ms = median(samples[which]);
    console.log(`  ${which}: ${ms.toFixed(0)} ms, ${(ms / floor).toFixed(2)}× the floor`);
  }
  console.log(`  after ÷ before: ${(median(samples.after) / median(samples.before)).toFixed(2)}`);

  // The bench's incremental scenario, on the working tree's engine: one host's facts change.
  const index = indexInventory(inventory);
  const incremental: number[] = [];
  for (let i = 0; i < 40; i++) {
    const host = inventory.hosts[(i * 37) % inventory.hosts.length];
    const changed = withHost(index, { ...host, hasVssAwareProduct: i % 2 === 0 });
    const ms = cpuMs(() => evaluateAroundHost(changed, host.id));
    if (i >= 5) incremental.push(ms);
  }
  console.log(
    `  after one host changes: ${median(incremental).toFixed(2)} ms median, ${percentile(incremental, 95).toFixed(2)} ms p95 (CPU)`,
  );

  const session = new Session();
  session.connect();
  for (const which of ['before', 'after'] as const) {
    const fn = which === 'before' ? before : after;
    const bytes = await allocatedBytes(session, () => fn(inventory));
    console.log(`  allocated, ${which}: ${(bytes / 1e6).toFixed(0)} MB per evaluation`);
  }
  session.disconnect();
}

await main();
