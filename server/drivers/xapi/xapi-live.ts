/**
 * Discovery that stays live: one `event.from` loop per pool (CONNECTORS.md §1.2).
 * - A full sync reads every object of the watched classes with `event.from(classes, "")`, which
 *   answers each current object as an `add` plus the token after them: the state and the point to
 *   follow from, in one consistent answer.
 * - Then `event.from(classes, token, 30)` long-polls; every batch is applied to the records and
 *   mapped again, and the listener hears which VMs changed (a VM record, or its VBD, VDI or guest
 *   metrics), so findings can be re-evaluated for those VMs only.
 * - `EVENTS_LOST` (the pool dropped events past the token) or a new session (the pool restarted;
 *   tokens may not survive it) means a full sync again.
 */
import type { Inventory } from '../../engine/inventory';
import type { XapiClient } from './xapi-client';
import { mapPool, type PoolFacts, type PoolRecords, xenId } from './xapi-discovery';
import { isXapiError } from './xapi-errors';
import {
  guestMetricsRecordSchema,
  hostRecordSchema,
  pbdRecordSchema,
  poolRecordSchema,
  smRecordSchema,
  srRecordSchema,
  vbdRecordSchema,
  vdiRecordSchema,
  vmRecordSchema,
  type XapiEvent,
} from './xapi-records';

const CLASSES = {
  pool: ['pool', poolRecordSchema],
  host: ['hosts', hostRecordSchema],
  sr: ['srs', srRecordSchema],
  sm: ['sms', smRecordSchema],
  pbd: ['pbds', pbdRecordSchema],
  vm: ['vms', vmRecordSchema],
  vbd: ['vbds', vbdRecordSchema],
  vdi: ['vdis', vdiRecordSchema],
  vm_guest_metrics: ['guestMetrics', guestMetricsRecordSchema],
} as const;
type WatchedClass = keyof typeof CLASSES;
const WATCHED = Object.keys(CLASSES) as WatchedClass[];

export interface PoolSync {
  kind: 'full' | 'changes';
  inventory: Inventory;
  facts: PoolFacts;
  /** VMs whose record, disks or guest changed (every VM on a full sync); ids as in the inventory. */
  changedVmIds: string[];
  /** VMs that left the pool since the last sync. */
  removedVmIds: string[];
  /**
   * The batch changed the pool, a host or the storage (an SR, its driver or its block device):
   * facts every VM of the pool may be judged by. Always true on a full sync.
   */
  isPoolChanged: boolean;
}

/** Classes whose change may change the findings of any VM of the pool, not only of the VMs they name. */
const POOL_WIDE_CLASSES: ReadonlySet<string> = new Set(['pool', 'host', 'sr', 'sm', 'pbd']);

type Tables = Omit<PoolRecords, 'pool'> & {
  pool: PoolRecords['pool'] | null;
  poolTable: Record<string, PoolRecords['pool']>;
};

function emptyTables(): Tables {
  return {
    pool: null,
    poolTable: {},
    hosts: {},
    srs: {},
    sms: {},
    pbds: {},
    vms: {},
    vbds: {},
    vdis: {},
    guestMetrics: {},
  };
}

export class PoolWatcher {
  private tables = emptyTables();
  private token = '';
  private sessionSeen: string | null = null;
  /** Full syncs done (the first included): a test reads it to see a resync happen. */
  fullSyncs = 0;

  constructor(
    private readonly client: XapiClient,
    private readonly onSync: (sync: PoolSync) => Promise<void> | void,
  ) {}

  /** One step of the loop: a full sync when needed, else one long poll. Returns when it delivered. */
  async step(signal: AbortSignal): Promise<void> {
    if (this.token === '' || this.client.sessionRef !== this.sessionSeen) {
      await this.fullSync(signal);
      return;
    }
    let batch: Awaited<ReturnType<XapiClient['eventsFrom']>>;
    try {
      batch = await this.client.eventsFrom(WATCHED, this.token, signal, 'throw');
    } catch (error) {
      // A lost session is a restarted pool (or an expired login): its token may skip changes.
      if (!isXapiError(error, 'EVENTS_LOST') && !isXapiError(error, 'SESSION_INVALID')) throw error;
      await this.fullSync(signal);
      return;
    }
    if (this.client.sessionRef !== this.sessionSeen) {
      await this.fullSync(signal); // the pool restarted under us: its token may skip changes
      return;
    }
    this.token = batch.token;
    if (batch.events.length === 0) return;
    const before = new Set(Object.values(this.tables.vms).map((vm) => xenId(vm.uuid)));
    const changedRefs = this.apply(batch.events);
    const mapped = this.mapped();
    const present = new Set(mapped.inventory.vms.map((vm) => vm.id));
    const changed = mapped.inventory.vms.filter((vm) => changedRefs.has(vm.id)).map((vm) => vm.id);
    await this.onSync({
      kind: 'changes',
      ...mapped,
      changedVmIds: changed,
      removedVmIds: [...before].filter((id) => !present.has(id) && changedRefs.has(id)),
      isPoolChanged: batch.events.some((event) => POOL_WIDE_CLASSES.has(event.class.toLowerCase())),
    });
  }

  /** Runs `step` until the signal aborts; a failed step is reported and the loop goes on after `pauseMs`. */
  async run(
    signal: AbortSignal,
    onError: (error: unknown) => void,
    pause: (signal: AbortSignal) => Promise<void>,
  ) {
    while (!signal.aborted) {
      try {
        await this.step(signal);
      } catch (error) {
        if (signal.aborted) return;
        onError(error);
        this.token = ''; // whatever failed, the next step starts from a full view
        await pause(signal);
      }
    }
  }

  private async fullSync(signal: AbortSignal): Promise<void> {
    const batch = await this.client.eventsFrom(WATCHED, '', signal);
    this.tables = emptyTables();
    this.apply(batch.events);
    this.token = batch.token;
    this.sessionSeen = this.client.sessionRef;
    this.fullSyncs += 1;
    const mapped = this.mapped();
    await this.onSync({
      kind: 'full',
      ...mapped,
      changedVmIds: mapped.inventory.vms.map((vm) => vm.id),
      removedVmIds: [],
      isPoolChanged: true,
    });
  }

  private mapped() {
    const pool = Object.values(this.tables.poolTable)[0];
    if (!pool) throw new Error(`${this.client.label}: the pool answered no pool record`);
    return mapPool({ ...this.tables, pool });
  }

  /** Applies events; returns the inventory ids of the VMs they touch. */
  private apply(events: XapiEvent[]): Set<string> {
    const touched = new Set<string>();
    const vmOfRef = (ref: string) => {
      const vm = this.tables.vms[ref];
      if (vm) touched.add(xenId(vm.uuid));
    };
    for (const event of events) {
      const name = event.class.toLowerCase() as WatchedClass;
      const entry = CLASSES[name];
      if (!entry) continue;
      const [key, schema] = entry;
      const table = (key === 'pool' ? this.tables.poolTable : this.tables[key]) as Record<string, unknown>;
      const previous = table[event.ref] as Record<string, unknown> | undefined;
      if (event.operation === 'del') delete table[event.ref];
      else table[event.ref] = schema.parse(event.snapshot);
      const current = (table[event.ref] ?? previous) as Record<string, unknown> | undefined;
      if (name === 'vm' && current) touched.add(xenId(String(current.uuid)));
      if (name === 'vbd' && current) vmOfRef(String(current.VM));
      if (name === 'vdi') {
        for (const vbd of Object.values(this.tables.vbds)) if (vbd.VDI === event.ref) vmOfRef(vbd.VM);
      }
      if (name === 'vm_guest_metrics') {
        for (const [ref, vm] of Object.entries(this.tables.vms))
          if (vm.guest_metrics === event.ref) vmOfRef(ref);
      }
    }
    return touched;
  }
}
