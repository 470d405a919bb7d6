/**
 * The fake host's view of an array: the LUNs mapped to its initiators, as Get-Disk would list them
 * (UniqueId = the LUN's NAA id), with their bytes. A test wires it to a fake array (the fake ONTAP
 * cluster's LUN files), so what the host writes and what the array snapshots and clones are the
 * same bytes.
 *
 * A volume on such a LUN keeps its files where the fake keeps every file (a folder per drive
 * letter); its LUN holds an image of them, written when the host flushes the volume
 * (`Write-VolumeCache`). That is the point of the flush: without it the array would snapshot what
 * the LUN held at the previous one. The image format is the fake's own, not NTFS: a magic line,
 * the length of a JSON table of `{ path, offset, length }`, the table, then the files' bytes.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface FakeSanDisk {
  /** NAA id as Get-Disk prints UniqueId (upper-case hex). */
  uniqueId: string;
  read(): Buffer;
  /** Fails while the array fences the LUN's writes. */
  write(bytes: Buffer): void;
}

export interface FakeSan {
  /** The LUNs mapped to this host now (maps and unmaps on the array show at once). */
  disks(): FakeSanDisk[];
  /**
   * `Connect-IscsiTarget` to a target of its own (an EqualLogic volume): throws as the initiator
   * does when the array refuses the login. Absent: the array has no such targets (ONTAP).
   */
  login?(portal: string, target: string): void;
  /** `Disconnect-IscsiTarget`; a target not logged in to is fine. */
  logout?(target: string): void;
}

const MAGIC = Buffer.from('MGWFAKEFS\n', 'ascii');

function filesUnder(root: string, relative = ''): string[] {
  const here = path.join(root, relative);
  return readdirSync(here).flatMap((name) => {
    const entry = path.join(relative, name);
    return statSync(path.join(root, entry)).isDirectory() ? filesUnder(root, entry) : [entry];
  });
}

/** Every file under `root` (a drive letter's folder) as one image; paths use `\`, as on Windows. */
export function packVolume(root: string): Buffer {
  const files = filesUnder(root).map((file) => ({
    path: file.split(path.sep).join('\\'),
    bytes: readFileSync(path.join(root, file)),
  }));
  let offset = 0;
  const table = files.map((file) => {
    const entry = { path: file.path, offset, length: file.bytes.length };
    offset += file.bytes.length;
    return entry;
  });
  const json = Buffer.from(JSON.stringify(table), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, length, json, ...files.map((file) => file.bytes)]);
}

/** The files an image holds; null when the bytes hold no image (a LUN never flushed to). */
export function readVolumeImage(image: Buffer): { path: string; bytes: Buffer }[] | null {
  if (!image.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const jsonLength = image.readUInt32BE(MAGIC.length);
  const start = MAGIC.length + 4;
  const table = JSON.parse(image.subarray(start, start + jsonLength).toString('utf8')) as {
    path: string;
    offset: number;
    length: number;
  }[];
  const data = start + jsonLength;
  return table.map((entry) => ({
    path: entry.path,
    bytes: image.subarray(data + entry.offset, data + entry.offset + entry.length),
  }));
}

/** Writes an image's files under `root` (a mount folder's local directory). */
export function unpackVolume(image: Buffer, root: string): void {
  for (const file of readVolumeImage(image) ?? []) {
    const local = path.join(root, ...file.path.split('\\'));
    mkdirSync(path.dirname(local), { recursive: true });
    writeFileSync(local, file.bytes);
  }
}
