/**
 * The VHD format's structures (Microsoft, "Virtual Hard Disk Image Format Specification", 1.0):
 * pure parsing, no I/O. All fields are big-endian. A fixed VHD is the raw disk followed by a 512-byte
 * footer; a dynamic or differencing VHD starts with a copy of the footer, then a 1024-byte dynamic
 * disk header, the block allocation table (BAT: one sector offset per block, 0xFFFFFFFF when the
 * block is not allocated) and blocks, each a sector bitmap (one bit per sector, most significant bit
 * first, padded to a sector) followed by the block's data. A differencing VHD names its parent in the
 * header (its unique id, its UTF-16BE file name) and in parent locators (a path, per platform).
 *
 * LVHD (XenServer's LVM SRs) keeps a VHD in an LV larger than the file, so the footer at the LV's
 * end is not the VHD's: the copy at offset 0 is read, as libvhd does for LVs (xapi-array-copy.ts).
 */

export const SECTOR = 512;
export const FOOTER_BYTES = 512;
export const HEADER_BYTES = 1024;
/** A BAT entry of a block not allocated in this file (read through to the parent, or zeros). */
export const UNALLOCATED = 0xffffffff;

export type VhdDiskType = 'fixed' | 'dynamic' | 'differencing';
const DISK_TYPES: Record<number, VhdDiskType> = { 2: 'fixed', 3: 'dynamic', 4: 'differencing' };

export class VhdFormatError extends Error {}

export interface VhdFooter {
  diskType: VhdDiskType;
  /** Where the dynamic disk header is (bytes); null for a fixed disk. */
  dataOffset: number | null;
  /** The virtual disk's size in bytes (what the guest sees). */
  currentSize: number;
  /** The disk's unique id as a uuid string (a child's header names its parent by it). */
  uniqueId: string;
  isSavedState: boolean;
}

export interface VhdParentLocator {
  /** Platform code as four characters: `MacX` (UTF-8 file URL), `W2ku`/`W2ru` (UTF-16LE paths). */
  platform: string;
  /** Where the locator's data is in the file, and its length (bytes). */
  offset: number;
  length: number;
}

export interface VhdDynamicHeader {
  tableOffset: number;
  maxTableEntries: number;
  blockSize: number;
  /** The parent's footer unique id (a uuid string); null when not a differencing disk's header. */
  parentUniqueId: string | null;
  parentTimestamp: number;
  /** The parent's file name as the header stores it (UTF-16BE), e.g. `VHD-<uuid>` on LVHD. */
  parentName: string;
  parentLocators: VhdParentLocator[];
}

/** The spec's checksum: the one's complement of the sum of all bytes but the checksum's own four. */
export function vhdChecksum(bytes: Uint8Array, checksumOffset: number): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    if (i >= checksumOffset && i < checksumOffset + 4) continue;
    sum = (sum + (bytes[i] as number)) >>> 0;
  }
  return ~sum >>> 0;
}

/** A 64-bit big-endian offset or size, refused beyond what a JavaScript number holds exactly. */
function u64(bytes: Buffer, offset: number, what: string): number {
  const value = bytes.readBigUInt64BE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new VhdFormatError(`${what} is out of range (${value})`);
  return Number(value);
}

function uuidAt(bytes: Buffer, offset: number): string {
  const hex = bytes.subarray(offset, offset + 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function checkChecksum(bytes: Buffer, offset: number, what: string) {
  const stored = bytes.readUInt32BE(offset);
  const computed = vhdChecksum(bytes, offset);
  if (stored !== computed)
    throw new VhdFormatError(
      `${what} checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`,
    );
}

/** Parses and checks a 512-byte footer (cookie `conectix`, version 1.0, checksum, disk type). */
export function parseFooter(bytes: Buffer): VhdFooter {
  if (bytes.length < FOOTER_BYTES)
    throw new VhdFormatError(`a footer is ${FOOTER_BYTES} bytes, got ${bytes.length}`);
  const footer = bytes.subarray(0, FOOTER_BYTES);
  if (footer.toString('latin1', 0, 8) !== 'conectix')
    throw new VhdFormatError('no VHD footer (cookie is not conectix)');
  checkChecksum(footer, 64, 'footer');
  const version = footer.readUInt32BE(12);
  if (version >>> 16 !== 1) throw new VhdFormatError(`unsupported VHD version 0x${version.toString(16)}`);
  const typeCode = footer.readUInt32BE(60);
  const diskType = DISK_TYPES[typeCode];
  if (!diskType) throw new VhdFormatError(`unsupported VHD disk type ${typeCode}`);
  const rawOffset = footer.readBigUInt64BE(16);
  const dataOffset = rawOffset === 0xffffffffffffffffn ? null : u64(footer, 16, 'data offset');
  if (diskType !== 'fixed' && dataOffset === null)
    throw new VhdFormatError(`a ${diskType} VHD's footer has no dynamic header offset`);
  const currentSize = u64(footer, 48, 'current size');
  if (currentSize % SECTOR !== 0)
    throw new VhdFormatError(`current size ${currentSize} is not whole sectors`);
  return {
    diskType,
    dataOffset: diskType === 'fixed' ? null : dataOffset,
    currentSize,
    uniqueId: uuidAt(footer, 68),
    isSavedState: footer[84] === 1,
  };
}

/** Parses and checks a 1024-byte dynamic disk header (cookie `cxsparse`, checksum, block size). */
export function parseDynamicHeader(bytes: Buffer, diskType: VhdDiskType): VhdDynamicHeader {
  if (bytes.length < HEADER_BYTES)
    throw new VhdFormatError(`a header is ${HEADER_BYTES} bytes, got ${bytes.length}`);
  const header = bytes.subarray(0, HEADER_BYTES);
  if (header.toString('latin1', 0, 8) !== 'cxsparse')
    throw new VhdFormatError('no dynamic disk header (cookie is not cxsparse)');
  checkChecksum(header, 36, 'dynamic disk header');
  const version = header.readUInt32BE(24);
  if (version !== 0x00010000)
    throw new VhdFormatError(`unsupported dynamic header version 0x${version.toString(16)}`);
  const blockSize = header.readUInt32BE(32);
  // A power of two of whole sectors (the spec's default is 2 MiB, LVHD's too).
  if (blockSize < SECTOR || (blockSize & (blockSize - 1)) !== 0)
    throw new VhdFormatError(`block size ${blockSize} is not a power of two of sectors`);
  const parentLocators: VhdParentLocator[] = [];
  for (let i = 0; i < 8; i += 1) {
    const at = 576 + i * 24;
    const code = header.readUInt32BE(at);
    if (code === 0) continue;
    parentLocators.push({
      platform: header.toString('latin1', at, at + 4),
      length: header.readUInt32BE(at + 8),
      offset: u64(header, at + 16, 'parent locator offset'),
    });
  }
  const isDifferencing = diskType === 'differencing';
  return {
    tableOffset: u64(header, 16, 'table offset'),
    maxTableEntries: header.readUInt32BE(28),
    blockSize,
    parentUniqueId: isDifferencing ? uuidAt(header, 40) : null,
    parentTimestamp: header.readUInt32BE(56),
    parentName: isDifferencing ? utf16be(header.subarray(64, 576)) : '',
    parentLocators: isDifferencing ? parentLocators : [],
  };
}

function utf16be(bytes: Buffer): string {
  const swapped = Buffer.from(bytes);
  swapped.swap16();
  return swapped.toString('utf16le').replace(/\0[\s\S]*$/, '');
}

/** The BAT: each block's sector offset in the file, or UNALLOCATED. */
export function parseBat(bytes: Buffer, entries: number): number[] {
  if (bytes.length < entries * 4)
    throw new VhdFormatError(`the BAT holds ${entries} entries, got ${bytes.length} bytes`);
  return Array.from({ length: entries }, (_, i) => bytes.readUInt32BE(i * 4));
}

/** Bytes of a BAT of `entries` entries as stored (padded to whole sectors). */
export const batBytes = (entries: number) => Math.ceil((entries * 4) / SECTOR) * SECTOR;

/** Bytes of a block's sector bitmap as stored (one bit per sector, padded to whole sectors). */
export const bitmapBytes = (blockSize: number) => Math.ceil(blockSize / SECTOR / 8 / SECTOR) * SECTOR;

/** Whether sector `index` of a block is in this file (its bitmap bit, most significant bit first). */
export const isSectorPresent = (bitmap: Uint8Array, index: number) =>
  ((bitmap[index >> 3] as number) & (0x80 >> (index & 7))) !== 0;

/** A parent locator's path as text: `MacX` is a UTF-8 file URL, `W2ku`/`W2ru` are UTF-16LE paths. */
export function decodeLocator(platform: string, data: Buffer): string | null {
  if (platform === 'MacX')
    return decodeURIComponent(
      data
        .toString('utf8')
        .replace(/\0+$/, '')
        .replace(/^file:\/\//, ''),
    );
  if (platform === 'W2ku' || platform === 'W2ru') return data.toString('utf16le').replace(/\0+$/, '');
  return null; // `Wi2k`/`Wi2r` (deprecated) and `Mac ` (an alias record) are not read
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The VDI uuid a parent's file name or path names (LVHD: `VHD-<uuid>`, file SRs: `<uuid>.vhd`). */
export function uuidInName(path: string): string | null {
  const base = path.split(/[\\/]/).pop() ?? '';
  return UUID.exec(base)?.[0].toLowerCase() ?? null;
}
