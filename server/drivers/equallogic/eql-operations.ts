/**
 * What the runner asks of an EqualLogic group, one idempotent method per step (CONNECTORS.md §3.4):
 * snapshot a volume under the engine's name (`create-now` picks its own name, then `rename`),
 * clone a snapshot into a new volume for a staged restore, restore a volume from a snapshot in
 * place, delete snapshots and clones. Failures become DriverErrors; "does not exist" on a delete
 * means the work is already done. Multi-volume consistency comes from volume collections: one
 * `collection select … snapshot create-now` snapshots every member at one instant.
 */
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import { type EqlClient, EqlError } from './eql-client';

/** Names the CLI accepts without quoting: the engine's ids are checked before they reach a shell. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,126}$/;

/**
 * Clones the connector makes carry this prefix. The group records no "clone of" link the CLI shows,
 * so the prefix is what lets a retried clone step recognise its own volume, and what keeps the
 * clone cleanup from ever deleting a live volume that merely has the same name.
 */
export const STAGING_PREFIX = 'mgw-stage-';
/** Clones a backup reads one VM's disks out of (exposeSnapshot), one per restore point. */
export const COPY_PREFIX = 'mgw-copy-';
const CLONE_PREFIXES = [STAGING_PREFIX, COPY_PREFIX];

/**
 * What `create-now description …` writes on every snapshot the connector takes, before the
 * rename gives it the engine's name. A worker that died between the two leaves a snapshot under
 * the group's own name; this marker is how the next attempt, or the release cleanup, finds it
 * among the group's scheduled snapshots (which carry no such description) and discards it.
 */
export const markerOf = (snapshotName: string): string => `mgw-take:${snapshotName}`;

export interface EqlVolumeInfo {
  name: string;
  sizeText: string;
  iscsiName: string;
  /** `Status:` other than offline; null when the firmware's `show` has none. */
  isOnline: boolean | null;
  /** `Pool:` and `Snap-Reserve:` lines; null when the firmware's `show` has none. */
  pool: string | null;
  snapReservePercent: number | null;
}

/** An access control record of a volume: an initiator allowed to log in to its target. */
export interface EqlAccessRecord {
  id: string;
  initiator: string;
}

function field(lines: string[], name: string): string | null {
  const line = lines.find((candidate) => candidate.startsWith(`${name}:`));
  return line ? line.slice(name.length + 1).trim() : null;
}

/** `Status: online` (or any state but offline) → true, `offline` → false, no line → null (not read). */
function statusOf(text: string | null): boolean | null {
  return text === null ? null : text !== 'offline';
}

/** `Snap-Reserve: 100%` → 100. */
function reserveOf(text: string | null): number | null {
  const match = text ? /^(\d+(?:\.\d+)?)\s*%/.exec(text) : null;
  return match ? Number(match[1]) : null;
}

export class EqlOperations {
  constructor(private readonly client: EqlClient) {}

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof EqlError)) throw error;
      throw new DriverError(
        error.isNotFound ? 'not-found' : 'invalid-state',
        `${this.client.label}: ${error.message}`,
        {
          isRetryable: false,
        },
      );
    }
  }

  private name(value: string): string {
    if (!SAFE_NAME.test(value)) {
      throw new DriverError(
        'invalid-state',
        `${this.client.label}: "${value}" is not a name the CLI can take`,
        {
          isRetryable: false,
        },
      );
    }
    return value;
  }

  private stagingName(value: string): string {
    if (!CLONE_PREFIXES.some((prefix) => value.startsWith(prefix))) {
      throw new DriverError(
        'invalid-state',
        `${this.client.label}: ${value} is not a clone name of ours (${CLONE_PREFIXES.join('…, ')}…); not touching it`,
        { isRetryable: false },
      );
    }
    return this.name(value);
  }

  /** The group address from `grpparams show` (what hosts log in to over iSCSI). */
  groupAddress(options: CallOptions): Promise<string | null> {
    return this.guard(async () => field(await this.client.run('grpparams show', options), 'Group-Ipaddress'));
  }

  volumeInfo(volume: string, options: CallOptions): Promise<EqlVolumeInfo> {
    return this.guard(async () => {
      const lines = await this.client.run(`volume select ${this.name(volume)} show`, options);
      return {
        name: field(lines, 'Name') ?? volume,
        sizeText: field(lines, 'Size') ?? '',
        iscsiName: field(lines, 'iSCSI Name') ?? '',
        isOnline: statusOf(field(lines, 'Status')),
        pool: field(lines, 'Pool'),
        snapReservePercent: reserveOf(field(lines, 'Snap-Reserve')),
      };
    });
  }

  /**
   * `volume select <v> access show`: the rows whose second column is an initiator IQN (the header
   * and rule lines are skipped). The group wraps a name longer than its Initiator column: the rest
   * follows alone on the next line (OpenStack Cinder's PS driver reads each record as two lines),
   * so a line of one word right after a row goes on that row's name. See docs/connectors/equallogic.md.
   */
  accessRecords(volume: string, options: CallOptions): Promise<EqlAccessRecord[]> {
    return this.guard(async () => {
      const records: EqlAccessRecord[] = [];
      let open: EqlAccessRecord | null = null;
      for (const line of await this.client.run(`volume select ${this.name(volume)} access show`, options)) {
        const row = /^(\d+)\s+(iqn\.\S+)/i.exec(line.trim());
        const words = line.trim().split(/\s+/);
        if (row) {
          open = { id: row[1], initiator: row[2] };
          records.push(open);
        } else if (open && words.length === 1) {
          open.initiator += words[0];
        } else {
          open = null;
        }
      }
      return records;
    });
  }

  /** Lets each initiator log in to the volume; one already allowed is left as it is. */
  grantAccess(volume: string, initiators: string[], options: CallOptions): Promise<void> {
    return this.guard(async () => {
      const present = new Set((await this.accessRecords(volume, options)).map((record) => record.initiator));
      for (const initiator of initiators) {
        if (present.has(initiator)) continue;
        await this.client.run(
          `volume select ${this.name(volume)} access create initiator ${this.name(initiator)}`,
          options,
        );
      }
    });
  }

  snapshotNames(volume: string, options: CallOptions): Promise<string[]> {
    return this.guard(async () =>
      (await this.client.run(`volume select ${this.name(volume)} snapshot show`, options)).map(
        (line) => line.split(/\s+/)[0],
      ),
    );
  }

  /** `create-now` names the snapshot itself; it is renamed at once to the engine's name. */
  snapshotVolume(volume: string, snapshotName: string, options: CallOptions): Promise<void> {
    return this.guard(async () => {
      const ours = this.name(snapshotName);
      if ((await this.snapshotNames(volume, options)).includes(ours)) return;
      await this.discardUnrenamed([volume], ours, options);
      const lines = await this.client.run(
        `volume select ${this.name(volume)} snapshot create-now description ${markerOf(ours)}`,
        options,
      );
      const created = lines.map((line) => /^Snapshot name is (\S+?)\.?$/.exec(line)?.[1]).find(Boolean);
      if (!created) {
        throw new DriverError(
          'snapshot-failed',
          `${this.client.label}: create-now did not name its snapshot: ${lines.join(' / ')}`,
        );
      }
      await this.client.run(`volume select ${volume} snapshot rename ${created} ${ours}`, options);
    });
  }

  /** A snapshot's description (`snapshot select … show`); null when it has none or is gone. */
  private async descriptionOf(
    volume: string,
    snapshot: string,
    options: CallOptions,
  ): Promise<string | null> {
    try {
      const lines = await this.client.run(
        `volume select ${volume} snapshot select ${snapshot} show`,
        options,
      );
      return field(lines, 'Description') || null;
    } catch (error) {
      if (error instanceof EqlError && error.isNotFound) return null;
      throw error;
    }
  }

  /**
   * Deletes the snapshots an earlier attempt took for `snapshotName` and never renamed (a worker
   * killed between `create-now` and `rename`): found by the marker in their description. Returns
   * how many it discarded. Other snapshots (the group's schedules, ours already renamed) stay.
   */
  discardUnrenamed(volumes: string[], snapshotName: string, options: CallOptions): Promise<number> {
    return this.guard(async () => {
      const marker = markerOf(this.name(snapshotName));
      let discarded = 0;
      for (const volume of volumes) {
        for (const snapshot of await this.snapshotNames(volume, options)) {
          if (snapshot === snapshotName || !snapshot.startsWith(`${volume}-`)) continue;
          if ((await this.descriptionOf(volume, snapshot, options)) !== marker) continue;
          await this.deleteSnapshot(volume, snapshot, options);
          discarded += 1;
        }
      }
      return discarded;
    });
  }

  /** The group's volume collections with their member volumes (`collection show`, then each one's `show`). */
  collections(options: CallOptions): Promise<{ name: string; volumes: string[] }[]> {
    return this.guard(async () => {
      const names = (await this.client.run('collection show', options))
        .map((line) => line.split(/\s+/)[0])
        .filter(Boolean);
      const found: { name: string; volumes: string[] }[] = [];
      for (const name of names) found.push({ name, volumes: await this.collectionMembers(name, options) });
      return found;
    });
  }

  private async collectionMembers(collection: string, options: CallOptions): Promise<string[]> {
    const lines = await this.client.run(`collection select ${this.name(collection)} show`, options);
    return lines.map((line) => /^Volume:\s*(\S+)/.exec(line)?.[1]).filter((name): name is string => !!name);
  }

  /**
   * One snapshot of every member of the collection at one instant, each member's copy renamed to
   * the engine's name. The CLI does not say which copy is whose, so each member's new snapshot is
   * the one its listing gained. What an earlier attempt left is dropped and the snapshot taken
   * again (the retry froze the guests again): a member that already has our name beside one that
   * has not (stopped between renames), and copies still under the group's own names that carry
   * our marker (stopped between `create-now` and the first rename).
   */
  snapshotCollection(collection: string, snapshotName: string, options: CallOptions): Promise<void> {
    return this.guard(async () => {
      const ours = this.name(snapshotName);
      const members = await this.collectionMembers(collection, options);
      if (members.length === 0)
        throw new DriverError('not-found', `${this.client.label}: collection ${collection} has no volumes`, {
          isRetryable: false,
        });
      const named = [];
      for (const member of members)
        if ((await this.snapshotNames(member, options)).includes(ours)) named.push(member);
      if (named.length === members.length) return;
      for (const member of named) await this.deleteSnapshot(member, ours, options);
      await this.discardUnrenamed(members, ours, options);
      const before = new Map<string, string[]>();
      for (const member of members) before.set(member, await this.snapshotNames(member, options));
      const lines = await this.client.run(
        `collection select ${collection} snapshot create-now description ${markerOf(ours)}`,
        options,
      );
      if (!lines.some((line) => /^Snapshot collection name is \S+/.test(line))) {
        throw new DriverError(
          'snapshot-failed',
          `${this.client.label}: collection create-now: ${lines.join(' / ')}`,
        );
      }
      for (const member of members) {
        const gained = (await this.snapshotNames(member, options)).filter(
          (name) => !before.get(member)?.includes(name),
        );
        if (gained.length !== 1) {
          throw new DriverError(
            'snapshot-failed',
            `${this.client.label}: ${member} gained ${gained.length} snapshots from the collection snapshot, expected 1`,
          );
        }
        await this.client.run(`volume select ${member} snapshot rename ${gained[0]} ${ours}`, options);
      }
    });
  }

  deleteSnapshot(volume: string, snapshotName: string, options: CallOptions): Promise<void> {
    return this.guard(async () => {
      try {
        await this.client.run(
          `volume select ${this.name(volume)} snapshot delete ${this.name(snapshotName)}`,
          options,
        );
      } catch (error) {
        if (!(error instanceof EqlError && error.isNotFound)) throw error;
      }
    });
  }

  /** Staged restore: a new volume with the snapshot's data; the source is not touched. */
  cloneSnapshot(
    volume: string,
    snapshotName: string,
    cloneName: string,
    options: CallOptions,
  ): Promise<string> {
    return this.guard(async () => {
      const clone = this.stagingName(cloneName);
      try {
        return (await this.volumeInfo(clone, options)).iscsiName; // a retried step: made already
      } catch (error) {
        if (!(error instanceof DriverError && error.faultCode === 'not-found')) throw error;
      }
      const lines = await this.client.run(
        `volume select ${this.name(volume)} snapshot select ${this.name(snapshotName)} clone ${clone}`,
        options,
      );
      return lines.map((line) => /^iSCSI target name is (\S+)/.exec(line)?.[1]).find(Boolean) ?? '';
    });
  }

  /**
   * Undo of cloneSnapshot: its access records are withdrawn (no host logs in again), the clone
   * goes offline (hosts still logged in lose it), then it is deleted. A clone already gone is done.
   */
  deleteClone(cloneName: string, options: CallOptions): Promise<void> {
    return this.guard(async () => {
      const clone = this.stagingName(cloneName);
      let records: EqlAccessRecord[];
      try {
        records = await this.accessRecords(clone, options);
      } catch (error) {
        if (error instanceof DriverError && error.faultCode === 'not-found') return;
        throw error;
      }
      for (const record of records) {
        await this.client.run(`volume select ${clone} access delete ${record.id}`, options).catch((error) => {
          if (!(error instanceof EqlError && error.isNotFound)) throw error;
        });
      }
      try {
        await this.client.run(`volume select ${clone} offline`, options);
      } catch (error) {
        if (error instanceof EqlError && error.isNotFound) return;
        throw error;
      }
      await this.client.run(`volume delete ${clone}`, options);
    });
  }

  /**
   * In-place revert of the whole volume (every VM on it rolls back). The group restores only an
   * offline volume; it is brought back online whatever the restore did, so hosts are not left
   * without it.
   */
  revertVolume(volume: string, snapshotName: string, options: CallOptions): Promise<void> {
    return this.guard(async () => {
      const target = this.name(volume);
      await this.client.run(`volume select ${target} offline`, options);
      try {
        await this.client.run(
          `volume select ${target} snapshot select ${this.name(snapshotName)} restore`,
          options,
        );
      } finally {
        await this.client.run(`volume select ${target} online`, options);
      }
    });
  }
}
