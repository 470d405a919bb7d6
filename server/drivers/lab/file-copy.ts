/**
 * Chunked file copy that hashes what it writes and reports progress: the repository copy, the
 * restores and the verification all go through here so "every hash verified" means the same
 * thing everywhere. Destinations are written under a temporary name and renamed into place, so a
 * crashed process never leaves a half-written file under the real name. (No fsync: the lab guards
 * against process crashes, not power cuts, and fsync would make every test wait on the disk.)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';

const CHUNK_BYTES = 256 * 1024;

export interface HashedCopy {
  sha256: string;
  bytes: number;
}

export async function copyFileHashed(
  source: string,
  destination: string,
  options: { onChunk?: (bytes: number) => void; signal?: AbortSignal } = {},
): Promise<HashedCopy> {
  mkdirSync(path.dirname(destination), { recursive: true });
  const temporary = `${destination}.${process.pid}.partial`;
  const hash = createHash('sha256');
  const input = await open(source, 'r');
  const output = await open(temporary, 'w');
  let bytes = 0;
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      options.signal?.throwIfAborted();
      const { bytesRead } = await input.read(buffer, 0, CHUNK_BYTES, bytes);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      await output.write(chunk, 0, bytesRead, bytes);
      bytes += bytesRead;
      options.onChunk?.(bytesRead);
    }
  } catch (error) {
    await output.close();
    await input.close();
    rmSync(temporary, { force: true });
    throw error;
  }
  await output.close();
  await input.close();
  renameSync(temporary, destination);
  return { sha256: hash.digest('hex'), bytes };
}

export async function hashFile(file: string, signal?: AbortSignal): Promise<HashedCopy> {
  const hash = createHash('sha256');
  const input = await open(file, 'r');
  let bytes = 0;
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await input.read(buffer, 0, CHUNK_BYTES, bytes);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await input.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}
