/**
 * A restore or copy into the pool is verified, not assumed: every VDI it wrote is read back through
 * `/export_raw_vdi` and its sha256 compared with the point's. Shared by the repository restore
 * (xapi-hypervisor.ts), the staged copy-out (xapi-staged-copy-out.ts) and the copy of a pool
 * snapshot (xapi-pool-copy.ts).
 *
 * The export sends no Content-Length and ends when the connection closes (CONNECTORS.md §7): a
 * read-back the pool cut short looks complete, and its hash differs from the point's although
 * nothing written differs. Fewer bytes than the disk holds is therefore an interrupted read, which
 * a retry redoes, and only a whole read that differs is corruption.
 */
import { createHash } from 'node:crypto';
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { StoredPointFile } from '../roles';
import type { XapiClient } from './xapi-client';
import { vdiRecordSchema } from './xapi-records';

/**
 * The sha256 and length of a VDI's raw export; fails `host-unreachable` (retryable), naming `what`,
 * when the pool ends it before `expectedBytes`.
 */
export async function readBackVdi(
  client: XapiClient,
  vdiRef: string,
  expectedBytes: number,
  what: string,
  signal: AbortSignal,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const { body } = await client.exportVdi(vdiRef, signal);
  for await (const chunk of body) {
    hash.update(chunk as Uint8Array);
    bytes += (chunk as Uint8Array).byteLength;
  }
  if (bytes < expectedBytes) {
    throw new DriverError(
      'host-unreachable',
      `the pool ended the read-back of ${what} after ${bytes} of its ${expectedBytes} bytes`,
    );
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Fails `data-corrupt` (not retryable), saying `mismatch(file, disk)`, at the first VDI that
 * differs; a read-back cut short fails retryably (readBackVdi). Both name the disk as the pool
 * does ("disk 'sql01 C'", its name_label), not by an id.
 */
export async function verifyWrittenVdis(
  client: XapiClient,
  targets: Map<string, string>,
  files: StoredPointFile[],
  options: CallOptions,
  mismatch: (file: StoredPointFile, disk: string) => string,
): Promise<void> {
  for (const file of files) {
    const vdiRef = targets.get(file.diskId) as string;
    const vdi = await client.call('VDI.get_record', [vdiRef], vdiRecordSchema, options);
    const disk = `disk '${vdi.name_label}'`;
    const { sha256 } = await readBackVdi(client, vdiRef, file.bytes, disk, options.signal);
    if (sha256 !== file.sha256) {
      throw new DriverError('data-corrupt', mismatch(file, disk), { isRetryable: false });
    }
  }
}
