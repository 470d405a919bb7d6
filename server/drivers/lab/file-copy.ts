/**
 * Chunked reads and hashed writes: the repository copy, the restores and the verification all go
 * through here so "every hash verified" means the same thing everywhere. Destinations are written
 * under a temporary name and renamed into place, so a crashed process never leaves a half-written
 * file under the real name. (No fsync: the lab guards against process crashes, not power cuts, and
 * fsync would make every test wait on the disk.)
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

/** The file's bytes in chunks; stops with the signal's reason when it aborts. */
export async function* readChunks(file: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const input = await open(file, 'r');
  try {
    let position = 0;
    for (;;) {
      signal?.throwIfAborted();
      const buffer = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await input.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await input.close();
  }
}

/** Writes the chunks to `destination` (temporary name, then rename) and hashes what was written. */
export async function writeHashed(
  chunks: AsyncIterable<Uint8Array>,
  destination: string,
  options: { onChunk?: (bytes: number) => void; signal?: AbortSignal } = {},
): Promise<HashedCopy> {
  mkdirSync(path.dirname(destination), { recursive: true });
  const temporary = `${destination}.${process.pid}.partial`;
  const hash = createHash('sha256');
  const output = await open(temporary, 'w');
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      options.signal?.throwIfAborted();
      hash.update(chunk);
      await output.write(chunk, 0, chunk.byteLength, bytes);
      bytes += chunk.byteLength;
      options.onChunk?.(chunk.byteLength);
    }
  } catch (error) {
    await output.close();
    rmSync(temporary, { force: true });
    throw error;
  }
  await output.close();
  renameSync(temporary, destination);
  return { sha256: hash.digest('hex'), bytes };
}

export async function hashFile(file: string, signal?: AbortSignal): Promise<HashedCopy> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of readChunks(file, signal)) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}
