/**
 * The state of a fake XAPI pool: objects by class and ref (the field names of xapi's datamodel,
 * CONNECTORS.md §1.2), the bytes behind every VDI, and the event log `event.from` reads. Every
 * change goes through `add` / `mod` / `del`, which append the event, so the log is the truth of
 * what changed. Seed helpers build pools with hosts before and after 8.1, SRs (udev included)
 * and VMs with disks holding real bytes.
 */
import { createHash, randomUUID } from 'node:crypto';

export type XapiRecord = Record<string, unknown>;

export const FAKE_CLASSES = [
  'pool',
  'host',
  'VM',
  'VBD',
  'VDI',
  'SR',
  'SM',
  'PBD',
  'VM_guest_metrics',
  'task',
] as const;
export type FakeClass = (typeof FAKE_CLASSES)[number];

export interface FakeEvent {
  id: number;
  class: string;
  operation: 'add' | 'mod' | 'del';
  ref: string;
  snapshot: XapiRecord;
}

export interface HostSeed {
  name: string;
  /** product_version, e.g. "8.2.1" (API 2.20) or "7.1.2" (API 2.7). */
  productVersion: string;
  api: [number, number];
  brand?: string;
  /** xapi's own version: `ignore_vdis` exists from 21.4.0 on. */
  xapiVersion?: string;
}

export interface DiskSeed {
  name: string;
  sr: string;
  /** The disk's content; its length is the virtual size. */
  bytes: Buffer;
  cbt?: boolean;
  onBoot?: 'persist' | 'reset';
  /**
   * The SM's `sm_config.vdi_type` (`vhd`, `aio` = raw LV on LVHD); absent = the key is missing,
   * as from an SM that does not set it.
   */
  vdiType?: string;
}

export interface VmSeed {
  name: string;
  host: string;
  powerState?: 'Running' | 'Halted' | 'Suspended' | 'Paused';
  disks: DiskSeed[];
  withCd?: boolean;
  /** VM_guest_metrics: os_version.name, PV drivers, feature-quiesce. */
  guest?: { os: string; distro?: string; pvDrivers?: boolean; canQuiesce?: boolean };
  tags?: string[];
}

/** The fake's RAM image size: small, real bytes (a real VM's is up to memory_static_max). */
export const FAKE_MEMORY_BYTES = 96 * 1024;

/** Deterministic bytes for a disk: tests compare what they stored with this. */
export function diskBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export class FakePool {
  readonly objects = new Map<FakeClass, Map<string, XapiRecord>>(
    FAKE_CLASSES.map((name) => [name, new Map()]),
  );
  readonly vdiBytes = new Map<string, Buffer>();
  /** Called after `/import_raw_vdi` wrote a VDI (an SR laid out on a LUN writes it through). */
  onVdiWrite: (vdiRef: string, bytes: Buffer) => void = () => {};
  /** What a running VM holds in RAM (fake-checkpoint.ts writes it to a suspend VDI and back). */
  readonly vmMemory = new Map<string, Buffer>();
  private readonly log: FakeEvent[] = [];
  private nextEvent = 1;
  private nextRef = 1;
  private listeners = new Set<() => void>();
  /** Events older than this id were dropped: a token before it gets EVENTS_LOST. */
  private oldestKept = 1;
  poolRef = '';
  /** The pool's clock (snapshot times); the server sets it to its own. */
  now: () => number = () => Date.UTC(2026, 10, 24, 2, 0, 0);

  constructor(name = 'pool-lab') {
    this.poolRef = this.add('pool', {
      uuid: randomUUID(),
      name_label: name,
      master: 'OpaqueRef:NULL',
      default_SR: 'OpaqueRef:NULL',
      suspend_image_SR: 'OpaqueRef:NULL',
    });
  }

  newRef(kind: string): string {
    return `OpaqueRef:${kind.toLowerCase()}-${this.nextRef++}`;
  }

  table(name: FakeClass): Map<string, XapiRecord> {
    return this.objects.get(name) as Map<string, XapiRecord>;
  }

  get(name: FakeClass, ref: string): XapiRecord | undefined {
    return this.table(name).get(ref);
  }

  add(name: FakeClass, record: XapiRecord, ref = this.newRef(name)): string {
    this.table(name).set(ref, record);
    this.emit(name, 'add', ref, record);
    return ref;
  }

  mod(name: FakeClass, ref: string, patch: XapiRecord): XapiRecord {
    const record = { ...(this.get(name, ref) ?? {}), ...patch };
    this.table(name).set(ref, record);
    this.emit(name, 'mod', ref, record);
    return record;
  }

  del(name: FakeClass, ref: string): void {
    const record = this.get(name, ref);
    if (!record) return;
    this.table(name).delete(ref);
    if (name === 'VDI') this.vdiBytes.delete(ref);
    this.emit(name, 'del', ref, record);
  }

  private emit(name: string, operation: FakeEvent['operation'], ref: string, snapshot: XapiRecord) {
    this.log.push({ id: this.nextEvent++, class: name.toLowerCase(), operation, ref, snapshot });
    for (const listener of [...this.listeners]) listener();
  }

  /** The newest event id (what a fresh token points after). */
  get lastEventId(): number {
    return this.nextEvent - 1;
  }

  /** Events after `token` in the given classes; null when the token is older than the kept log. */
  eventsAfter(token: number, classes: string[]): FakeEvent[] | null {
    if (token + 1 < this.oldestKept) return null;
    const wanted = new Set(classes.map((name) => name.toLowerCase()));
    return this.log.filter((event) => event.id > token && (wanted.has('*') || wanted.has(event.class)));
  }

  /** Drops the event log (as a pool does under load): every older token then gets EVENTS_LOST. */
  dropEvents(): void {
    this.oldestKept = this.nextEvent;
    this.log.length = 0;
  }

  /** Resolves at the next change (event.from's long poll). */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.listeners.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.listeners.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  addHost(seed: HostSeed, address = '127.0.0.1'): string {
    const ref = this.add('host', {
      uuid: randomUUID(),
      name_label: seed.name,
      address,
      API_version_major: seed.api[0],
      API_version_minor: seed.api[1],
      enabled: true,
      suspend_image_sr: 'OpaqueRef:NULL',
      software_version: {
        product_brand: seed.brand ?? 'XCP-ng',
        product_version: seed.productVersion,
        platform_version: '3.2.1',
        build_number: 'release/yangtze/master/58',
        xapi: seed.xapiVersion ?? '23.31',
        xen: '4.17.4',
      },
    });
    if (this.get('pool', this.poolRef)?.master === 'OpaqueRef:NULL') {
      this.mod('pool', this.poolRef, { master: ref });
    }
    return ref;
  }

  get masterRef(): string {
    return this.get('pool', this.poolRef)?.master as string;
  }

  addSm(type: string, features: string[]): string {
    return this.add('SM', {
      uuid: randomUUID(),
      type,
      features: Object.fromEntries(features.map((feature) => [feature, 1])),
    });
  }

  addSr(options: {
    name: string;
    type: string;
    shared: boolean;
    size: number;
    host: string;
    deviceConfig?: Record<string, string>;
  }): string {
    const ref = this.newRef('SR');
    const pbd = this.add('PBD', {
      host: options.host,
      SR: ref,
      device_config: options.deviceConfig ?? {},
      currently_attached: true,
    });
    this.add(
      'SR',
      {
        uuid: randomUUID(),
        name_label: options.name,
        type: options.type,
        content_type: options.type === 'udev' ? 'disk' : 'user',
        shared: options.shared,
        physical_size: options.size,
        physical_utilisation: 0,
        PBDs: [pbd],
      },
      ref,
    );
    return ref;
  }

  addVdi(disk: DiskSeed): string {
    const ref = this.add('VDI', {
      uuid: randomUUID(),
      name_label: disk.name,
      type: 'user',
      SR: disk.sr,
      virtual_size: disk.bytes.length,
      physical_utilisation: disk.bytes.length,
      is_a_snapshot: false,
      snapshot_of: 'OpaqueRef:NULL',
      snapshots: [],
      sharable: false,
      read_only: false,
      on_boot: disk.onBoot ?? 'persist',
      cbt_enabled: disk.cbt ?? false,
      sm_config: disk.vdiType ? { vdi_type: disk.vdiType } : {},
      other_config: {},
    });
    this.vdiBytes.set(ref, Buffer.from(disk.bytes));
    this.addSrUsage(disk.sr, disk.bytes.length);
    return ref;
  }

  addSrUsage(sr: string, bytes: number): void {
    const record = this.get('SR', sr);
    if (record) this.mod('SR', sr, { physical_utilisation: (record.physical_utilisation as number) + bytes });
  }

  addVbd(vm: string, vdi: string | null, userdevice: string, type: 'Disk' | 'CD' = 'Disk'): string {
    const ref = this.add('VBD', {
      uuid: randomUUID(),
      VM: vm,
      VDI: vdi ?? 'OpaqueRef:NULL',
      type,
      mode: type === 'CD' ? 'RO' : 'RW',
      userdevice,
      device: type === 'CD' ? 'xvdd' : `xvd${String.fromCharCode(97 + Number(userdevice))}`,
      bootable: userdevice === '0',
      empty: vdi === null,
      currently_attached: false,
    });
    const record = this.get('VM', vm);
    if (record) this.mod('VM', vm, { VBDs: [...(record.VBDs as string[]), ref] });
    return ref;
  }

  addVm(seed: VmSeed): string {
    const powerState = seed.powerState ?? 'Running';
    const guest = seed.guest
      ? this.add('VM_guest_metrics', {
          uuid: randomUUID(),
          os_version: { name: seed.guest.os, ...(seed.guest.distro ? { distro: seed.guest.distro } : {}) },
          PV_drivers_detected: seed.guest.pvDrivers ?? true,
          other: seed.guest.canQuiesce ? { 'feature-quiesce': '1' } : {},
          networks: {},
        })
      : 'OpaqueRef:NULL';
    const vm = this.add('VM', {
      uuid: randomUUID(),
      name_label: seed.name,
      power_state: powerState,
      is_a_template: false,
      is_a_snapshot: false,
      is_control_domain: false,
      resident_on: powerState === 'Running' || powerState === 'Paused' ? seed.host : 'OpaqueRef:NULL',
      affinity: seed.host,
      VBDs: [],
      snapshots: [],
      snapshot_of: 'OpaqueRef:NULL',
      snapshot_time: '19700101T00:00:00Z',
      snapshot_info: {},
      suspend_VDI: 'OpaqueRef:NULL',
      guest_metrics: guest,
      allowed_operations: ['snapshot', 'checkpoint', 'clean_shutdown', 'hard_shutdown', 'start'],
      current_operations: {},
      tags: seed.tags ?? [],
      other_config: {},
      // The fake's RAM image is this small (real bytes, fake-checkpoint.ts): its memory says so.
      memory_static_max: FAKE_MEMORY_BYTES,
      suspend_SR: 'OpaqueRef:NULL',
    });
    seed.disks.forEach((disk, index) => {
      this.addVbd(vm, this.addVdi(disk), String(index));
    });
    if (seed.withCd) this.addVbd(vm, null, '3', 'CD');
    return vm;
  }

  /** dom0 of a host: discovery must leave it out. */
  addControlDomain(host: string, name: string): string {
    return this.add('VM', {
      uuid: randomUUID(),
      name_label: `Control domain on host: ${name}`,
      power_state: 'Running',
      is_a_template: false,
      is_a_snapshot: false,
      is_control_domain: true,
      resident_on: host,
      VBDs: [],
    });
  }

  addTemplate(name: string): string {
    return this.add('VM', {
      uuid: randomUUID(),
      name_label: name,
      power_state: 'Halted',
      is_a_template: true,
      is_a_snapshot: false,
      is_control_domain: false,
      VBDs: [],
    });
  }

  findVm(name: string): string {
    for (const [ref, record] of this.table('VM')) if (record.name_label === name) return ref;
    throw new Error(`fake pool has no VM ${name}`);
  }

  /** Disk refs of a VM, in userdevice order, CDs left out. */
  disksOf(vm: string): string[] {
    const vbds = (this.get('VM', vm)?.VBDs as string[] | undefined) ?? [];
    return vbds
      .map((ref) => this.get('VBD', ref) as XapiRecord)
      .filter((vbd) => vbd.type === 'Disk' && vbd.VDI !== 'OpaqueRef:NULL')
      .sort((a, b) => Number(a.userdevice) - Number(b.userdevice))
      .map((vbd) => vbd.VDI as string);
  }
}
