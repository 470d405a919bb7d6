/**
 * What the runner asks of an EqualLogic group, one idempotent method per step (CONNECTORS.md §3.4):
 * snapshot a volume under the engine's name (`create-now` picks its own name, then `rename`),
 * clone a snapshot into a new volume for a staged restore, restore a volume from a snapshot in
 * place, delete snapshots and clones. Failures become DriverErrors; "does not exist" on a delete
 * means the work is already done. Multi-volume consistency (volume collections) is not driven
 * here: a VM spanning several volumes keeps the engine's ARRAY-CG-INCOMPLETE finding.
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

export interface EqlVolumeInfo {
  name: string;
  sizeText: string;
  iscsiName: string;
  isOnline: boolean;
}

function field(lines: string[], name: string): string | null {
  const line = lines.find((candidate) => candidate.startsWith(`${name}:`));
  return line ? line.slice(name.length + 1).trim() : null;
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
    if (!value.startsWith(STAGING_PREFIX)) {
      throw new DriverError(
        'invalid-state',
        `${this.client.label}: ${value} is not a staging clone name (${STAGING_PREFIX}…); not touching it`,
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
        isOnline: field(lines, 'Status') !== 'offline',
      };
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
      const lines = await this.client.run(`volume select ${this.name(volume)} snapshot create-now`, options);
      const created = lines.map((line) => /^Snapshot name is (\S+)/.exec(line)?.[1]).find(Boolean);
      if (!created) {
        throw new DriverError(
          'snapshot-failed',
          `${this.client.label}: create-now did not name its snapshot: ${lines.join(' / ')}`,
        );
      }
      await this.client.run(`volume select ${volume} snapshot rename ${created} ${ours}`, options);
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

  /** Undo of cloneSnapshot: the clone goes offline (hosts lose it), then is deleted. */
  deleteClone(cloneName: string, options: CallOptions): Promise<void> {
    return this.guard(async () => {
      const clone = this.stagingName(cloneName);
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
