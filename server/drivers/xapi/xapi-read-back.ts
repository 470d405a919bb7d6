/**
 * A restore into the pool is verified, not assumed: every VDI it wrote is read back through
 * `/export_raw_vdi` and its sha256 compared with the point's. Shared by the repository restore
 * (xapi-hypervisor.ts) and the staged copy-out (xapi-staged-copy-out.ts).
 */
import { createHash } from 'node:crypto';
import { DriverError } from '../../engine/driver';
import type { StoredPointFile } from '../roles';
import type { XapiClient } from './xapi-client';

/** Fails `data-corrupt` (not retryable), saying `mismatch(file)`, at the first VDI that differs. */
export async function verifyWrittenVdis(
  client: XapiClient,
  targets: Map<string, string>,
  files: StoredPointFile[],
  signal: AbortSignal,
  mismatch: (file: StoredPointFile) => string,
): Promise<void> {
  for (const file of files) {
    const hash = createHash('sha256');
    const { body } = await client.exportVdi(targets.get(file.diskId) as string, signal);
    for await (const chunk of body) hash.update(chunk as Uint8Array);
    if (hash.digest('hex') !== file.sha256)
      throw new DriverError('data-corrupt', mismatch(file), { isRetryable: false });
  }
}
