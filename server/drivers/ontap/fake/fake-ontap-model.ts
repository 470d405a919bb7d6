/**
 * The state of a fake ONTAP cluster: SVMs, volumes whose LUNs are real files in a temp directory,
 * snapshots (copies of those files, so a revert or a FlexClone gives back real bytes), igroups and
 * LUN maps, consistency groups with the two-phase snapshot and its write fence, and jobs.
 *
 * Time is the fake clock's: a job finishes `jobDurationMs` after it starts and vanishes 300 s
 * after it finished (what ONTAP does); a fence ends `action_timeout` seconds after the start, and
 * if the commit has not come by then the snapshot is aborted and its copies removed.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FakeClock } from '../../xapi/fake/fake-clock';

/** An error the fake answers with: the documented envelope, or a failed job. */
export class FakeOntapFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface FakeSnapshot {
  uuid: string;
  name: string;
  createTime: string;
  comment: string;
}

export interface FakeVolume {
  uuid: string;
  name: string;
  svm: string;
  sizeBytes: number;
  reservePercent: number;
  /** 'dp': a SnapMirror destination (read-only), which takes no snapshots of its own. */
  type: 'rw' | 'dp';
  parentVolume: string | null;
  parentSnapshot: string | null;
  snapshots: FakeSnapshot[];
}

export interface FakeLun {
  uuid: string;
  /** `/vol/<volume>/<lun>` */
  name: string;
  serial: string;
  volume: string;
  sizeBytes: number;
  /** `status.state`; null: the record carries no `status` (a field the account may not read). */
  state: 'online' | 'offline' | null;
}

export interface FakeIgroup {
  uuid: string;
  name: string;
  svm: string;
  initiators: string[];
}

export interface FakeLunMap {
  lunUuid: string;
  igroupUuid: string;
  lunNumber: number;
}

export type CgSnapshotState = 'fenced' | 'committed';

export interface FakeCgSnapshot {
  uuid: string;
  name: string;
  state: CgSnapshotState;
  fenceEndsAt: number;
}

export interface FakeConsistencyGroup {
  uuid: string;
  name: string;
  svm: string;
  volumes: string[];
  snapshots: FakeCgSnapshot[];
}

export type FakeJobState = 'running' | 'success' | 'failure';

export interface FakeJob {
  uuid: string;
  description: string;
  state: FakeJobState;
  dueAt: number;
  /** When it reached success/failure; it vanishes 300 s later. */
  endedAt: number | null;
  error: FakeOntapFault | null;
  effect: () => void;
}

/** ONTAP keeps a finished job this long, then GET on it answers 404. */
export const JOB_RETENTION_MS = 300_000;

export class FakeOntapModel {
  /** What `GET /api/cluster` answers: the cluster's name and ONTAP release. */
  cluster = {
    name: 'cluster1',
    version: { full: 'NetApp Release 9.13.1: Tue Jun 20 2023', generation: 9, major: 13, minor: 1 },
  };
  readonly svms = new Map<string, string>();
  readonly volumes = new Map<string, FakeVolume>();
  readonly luns = new Map<string, FakeLun>();
  readonly igroups = new Map<string, FakeIgroup>();
  lunMaps: FakeLunMap[] = [];
  readonly groups = new Map<string, FakeConsistencyGroup>();
  readonly jobs = new Map<string, FakeJob>();
  /** Volume name → the CG snapshot uuid fencing its writes. */
  readonly fences = new Map<string, string>();
  jobDurationMs = 0;
  private serialCounter = 0;

  constructor(
    readonly root: string,
    readonly clock: FakeClock,
  ) {}

  addSvm(name: string): void {
    this.svms.set(name, randomUUID());
  }

  addVolume(svm: string, name: string, sizeBytes: number, reservePercent = 5): FakeVolume {
    const volume: FakeVolume = {
      uuid: randomUUID(),
      name,
      svm,
      sizeBytes,
      reservePercent,
      type: 'rw',
      parentVolume: null,
      parentSnapshot: null,
      snapshots: [],
    };
    this.volumes.set(volume.uuid, volume);
    mkdirSync(this.volumeDir(name), { recursive: true });
    return volume;
  }

  /** A LUN with real bytes (a file of `sizeBytes` zeros); serials are 12 printable characters, like ONTAP's. */
  addLun(volume: string, lun: string, sizeBytes: number): FakeLun {
    this.serialCounter += 1;
    const record: FakeLun = {
      uuid: randomUUID(),
      name: `/vol/${volume}/${lun}`,
      serial: `80Ck7$${String(this.serialCounter).padStart(6, '0')}`,
      volume,
      sizeBytes,
      state: 'online',
    };
    this.luns.set(record.uuid, record);
    writeFileSync(this.lunFile(record), Buffer.alloc(sizeBytes));
    return record;
  }

  addIgroup(svm: string, name: string, initiators: string[]): FakeIgroup {
    const group = { uuid: randomUUID(), name, svm, initiators };
    this.igroups.set(group.uuid, group);
    return group;
  }

  addConsistencyGroup(svm: string, name: string, volumes: string[]): FakeConsistencyGroup {
    const group = { uuid: randomUUID(), name, svm, volumes, snapshots: [] };
    this.groups.set(group.uuid, group);
    return group;
  }

  volumeByName(name: string): FakeVolume | undefined {
    return [...this.volumes.values()].find((volume) => volume.name === name);
  }

  lunByName(name: string): FakeLun | undefined {
    return [...this.luns.values()].find((lun) => lun.name === name);
  }

  volumeDir(volume: string): string {
    return path.join(this.root, 'volumes', volume);
  }

  lunFile(lun: FakeLun): string {
    return path.join(this.volumeDir(lun.volume), `${path.basename(lun.name)}.img`);
  }

  private snapshotDir(volume: string, snapshot: string): string {
    return path.join(this.root, 'snapshots', volume, snapshot);
  }

  /** What a host writes through its block device: refused while a CG fence holds the volume. */
  writeLun(lunName: string, offset: number, bytes: Buffer): void {
    const lun = this.requireLun(lunName);
    if (this.fences.has(lun.volume)) throw new Error(`write to ${lunName} blocked by a CG write fence`);
    const data = readFileSync(this.lunFile(lun));
    bytes.copy(data, offset);
    writeFileSync(this.lunFile(lun), data);
  }

  readLun(lunName: string, offset = 0, length?: number): Buffer {
    const lun = this.requireLun(lunName);
    const data = readFileSync(this.lunFile(lun));
    return data.subarray(offset, length === undefined ? undefined : offset + length);
  }

  private requireLun(name: string): FakeLun {
    const lun = this.lunByName(name);
    if (!lun) throw new FakeOntapFault('4', `entry doesn't exist`, 404);
    return lun;
  }

  requireVolume(uuid: string): FakeVolume {
    const volume = this.volumes.get(uuid);
    if (!volume) throw new FakeOntapFault('4', `entry doesn't exist`, 404);
    return volume;
  }

  lunsOf(volume: string): FakeLun[] {
    return [...this.luns.values()].filter((lun) => lun.volume === volume);
  }

  /** A volume snapshot: copies the volume's LUN files as they are now. */
  takeSnapshot(volume: FakeVolume, name: string, comment = ''): FakeSnapshot {
    if (volume.snapshots.some((snapshot) => snapshot.name === name)) {
      throw new FakeOntapFault('525059', `Snapshot copy "${name}" already exists.`, 409);
    }
    const dir = this.snapshotDir(volume.name, name);
    mkdirSync(dir, { recursive: true });
    for (const lun of this.lunsOf(volume.name))
      copyFileSync(this.lunFile(lun), path.join(dir, path.basename(this.lunFile(lun))));
    const snapshot = {
      uuid: randomUUID(),
      name,
      createTime: new Date(this.clock.now()).toISOString(),
      comment,
    };
    volume.snapshots.push(snapshot);
    return snapshot;
  }

  deleteSnapshot(volume: FakeVolume, uuid: string): void {
    const snapshot = volume.snapshots.find((candidate) => candidate.uuid === uuid);
    if (!snapshot) throw new FakeOntapFault('4', `entry doesn't exist`, 404);
    const clones = [...this.volumes.values()].filter(
      (clone) => clone.parentVolume === volume.name && clone.parentSnapshot === snapshot.name,
    );
    if (clones.length > 0) {
      throw new FakeOntapFault(
        '2',
        `Snapshot copy "${snapshot.name}" is busy: FlexClone ${clones[0].name}`,
        409,
      );
    }
    volume.snapshots = volume.snapshots.filter((candidate) => candidate !== snapshot);
    rmSync(this.snapshotDir(volume.name, snapshot.name), { recursive: true, force: true });
  }

  /** SnapRestore: the LUN files go back to the snapshot's bytes; newer snapshots are deleted. */
  revert(volume: FakeVolume, snapshotName: string): void {
    const index = volume.snapshots.findIndex((snapshot) => snapshot.name === snapshotName);
    if (index < 0) throw new FakeOntapFault('4', `Snapshot copy "${snapshotName}" does not exist`, 404);
    const dir = this.snapshotDir(volume.name, snapshotName);
    for (const lun of this.lunsOf(volume.name))
      copyFileSync(path.join(dir, path.basename(this.lunFile(lun))), this.lunFile(lun));
    for (const newer of volume.snapshots.slice(index + 1)) {
      rmSync(this.snapshotDir(volume.name, newer.name), { recursive: true, force: true });
    }
    volume.snapshots = volume.snapshots.slice(0, index + 1);
  }

  /** FlexClone: a new volume whose LUNs hold the parent snapshot's bytes (new serials). */
  flexClone(svm: string, name: string, parentName: string, snapshotName: string): FakeVolume {
    if (this.volumeByName(name)) throw new FakeOntapFault('1', `duplicate entry: volume ${name}`, 409);
    const parent = this.volumeByName(parentName);
    const snapshot = parent?.snapshots.find((candidate) => candidate.name === snapshotName);
    if (!parent || !snapshot) throw new FakeOntapFault('4', `entry doesn't exist`, 404);
    const clone = this.addVolume(svm, name, parent.sizeBytes, parent.reservePercent);
    clone.parentVolume = parent.name;
    clone.parentSnapshot = snapshot.name;
    for (const lun of this.lunsOf(parent.name)) {
      const copy = this.addLun(name, path.basename(lun.name), lun.sizeBytes);
      copyFileSync(
        path.join(this.snapshotDir(parent.name, snapshot.name), path.basename(this.lunFile(lun))),
        this.lunFile(copy),
      );
    }
    return clone;
  }

  deleteVolume(volume: FakeVolume): void {
    const mapped = this.lunsOf(volume.name).filter((lun) =>
      this.lunMaps.some((map) => map.lunUuid === lun.uuid),
    );
    if (mapped.length > 0) {
      throw new FakeOntapFault(
        '2',
        `volume ${volume.name} has mapped LUNs: unmap ${mapped[0].name} first`,
        409,
      );
    }
    for (const lun of this.lunsOf(volume.name)) this.luns.delete(lun.uuid);
    this.volumes.delete(volume.uuid);
    rmSync(this.volumeDir(volume.name), { recursive: true, force: true });
  }

  /** Two-phase start: the members' bytes are taken now and their writes fenced until commit or timeout. */
  startCgSnapshot(
    group: FakeConsistencyGroup,
    name: string,
    timeoutS: number,
    uuid: string = randomUUID(),
  ): FakeCgSnapshot {
    if (group.snapshots.some((snapshot) => snapshot.state === 'fenced')) {
      throw new FakeOntapFault('53411921', 'another consistency group snapshot is in progress', 409);
    }
    const members = group.volumes.map((member) => this.volumeByName(member));
    if (members.some((volume) => volume === undefined))
      throw new FakeOntapFault('53411918', 'a member volume is missing');
    for (const volume of members as FakeVolume[]) this.takeSnapshot(volume, name, `cg ${group.name}`);
    const snapshot: FakeCgSnapshot = {
      uuid,
      name,
      state: 'fenced',
      fenceEndsAt: this.clock.now() + timeoutS * 1000,
    };
    group.snapshots.push(snapshot);
    for (const member of group.volumes) this.fences.set(member, snapshot.uuid);
    // The real fence timer: when it fires before the commit, ONTAP aborts and drops the copies.
    void this.clock.sleep(timeoutS * 1000).then(() => {
      if (snapshot.state === 'fenced') this.abortCgSnapshot(group, snapshot);
    });
    return snapshot;
  }

  commitCgSnapshot(group: FakeConsistencyGroup, uuid: string): void {
    const snapshot = group.snapshots.find((candidate) => candidate.uuid === uuid);
    if (snapshot?.state === 'committed') return;
    if (!snapshot || this.clock.now() >= snapshot.fenceEndsAt) {
      if (snapshot) this.abortCgSnapshot(group, snapshot);
      throw new FakeOntapFault('53411925', 'the commit came after the action timeout: snapshot aborted', 400);
    }
    snapshot.state = 'committed';
    for (const member of group.volumes) this.fences.delete(member);
  }

  private abortCgSnapshot(group: FakeConsistencyGroup, snapshot: FakeCgSnapshot): void {
    group.snapshots = group.snapshots.filter((candidate) => candidate !== snapshot);
    for (const member of group.volumes) {
      if (this.fences.get(member) === snapshot.uuid) this.fences.delete(member);
      const volume = this.volumeByName(member);
      const copy = volume?.snapshots.find((candidate) => candidate.name === snapshot.name);
      if (volume && copy) this.deleteSnapshot(volume, copy.uuid);
    }
  }

  deleteCgSnapshot(group: FakeConsistencyGroup, uuid: string): void {
    const snapshot = group.snapshots.find((candidate) => candidate.uuid === uuid);
    if (!snapshot) throw new FakeOntapFault('4', `entry doesn't exist`, 404);
    this.abortCgSnapshot(group, snapshot);
  }

  /** Queues the work of an asynchronous call; it happens when the job's time has come. */
  startJob(description: string, effect: () => void): FakeJob {
    const job: FakeJob = {
      uuid: randomUUID(),
      description,
      state: 'running',
      dueAt: this.clock.now() + this.jobDurationMs,
      endedAt: null,
      error: null,
      effect,
    };
    this.jobs.set(job.uuid, job);
    this.advanceJobs();
    return job;
  }

  /** Lets jobs whose time has come finish, and forgets those finished more than 300 s ago. */
  advanceJobs(): void {
    const now = this.clock.now();
    for (const job of this.jobs.values()) {
      if (job.state === 'running' && now >= job.dueAt) {
        try {
          job.effect();
          job.state = 'success';
        } catch (error) {
          job.state = 'failure';
          job.error = error instanceof FakeOntapFault ? error : new FakeOntapFault('13', String(error));
        }
        job.endedAt = job.dueAt;
      }
      if (job.endedAt !== null && now >= job.endedAt + JOB_RETENTION_MS) this.jobs.delete(job.uuid);
    }
  }
}
