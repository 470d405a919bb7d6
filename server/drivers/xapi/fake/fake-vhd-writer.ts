/**
 * Test support: a small VHD writer, written from the Microsoft VHD specification (1.0) on its own
 * (it shares no code with vhd-format.ts / vhd-image.ts, which it checks), to give the reader real
 * bytes: fixed, dynamic and differencing disks, sector bitmaps for what was written, blocks laid out
 * in the order asked (the BAT is not in disk order then), parent name and locators. Unwritten
 * sectors of an allocated block hold 0xEE, not zeros, so a reader that ignores the bitmap is seen.
 */
import { randomUUID } from 'node:crypto';

const SECTOR = 512;

export interface VhdWrite {
  /** Byte offset in the virtual disk, whole sectors. */
  offset: number;
  bytes: Buffer;
}

export interface VhdLocatorSpec {
  platform: 'MacX' | 'W2ku' | 'W2ru';
  path: string;
}

export interface VhdSpec {
  type: 'fixed' | 'dynamic' | 'differencing';
  /** The virtual disk's size in bytes, whole sectors. */
  size: number;
  /** Dynamic / differencing block size (default 2 MiB). */
  blockSize?: number;
  uniqueId?: string;
  writes?: VhdWrite[];
  parent?: { uniqueId: string; name: string; locators?: VhdLocatorSpec[] };
  /** Blocks in the file last-written-first (default: first written first). */
  isReversed?: boolean;
  /** Bytes of nothing after the file, as an LV larger than its VHD (LVHD). */
  slack?: number;
}

/** Sum of every byte, one's complement (the checksum field is zero while it is computed). */
function checksumOf(bytes: Buffer): number {
  let total = 0;
  for (const byte of bytes) total += byte;
  return (0xffffffff - (total % 2 ** 32)) >>> 0;
}

function putUuid(target: Buffer, at: number, uuid: string) {
  Buffer.from(uuid.replace(/-/g, ''), 'hex').copy(target, at);
}

/** The spec's CHS geometry for a size (appendix "CHS calculation"). */
function geometry(size: number): [number, number, number] {
  const sectors = Math.min(size / SECTOR, 65535 * 16 * 255);
  let perTrack: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (sectors >= 65535 * 16 * 63) {
    perTrack = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(sectors / perTrack);
  } else {
    perTrack = 17;
    cylinderTimesHeads = Math.floor(sectors / perTrack);
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      perTrack = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(sectors / perTrack);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      perTrack = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(sectors / perTrack);
    }
  }
  return [Math.floor(cylinderTimesHeads / heads), heads, perTrack];
}

function footerFor(spec: VhdSpec, uniqueId: string, dataOffset: bigint): Buffer {
  const footer = Buffer.alloc(512);
  footer.write('conectix', 0, 'latin1');
  footer.writeUInt32BE(2, 8); // features: reserved bit always set
  footer.writeUInt32BE(0x00010000, 12);
  footer.writeBigUInt64BE(dataOffset, 16);
  footer.writeUInt32BE(0x2e8a0000, 24);
  footer.write('tap\0', 28, 'latin1');
  footer.writeUInt32BE(0x00010003, 32);
  footer.writeUInt32BE(0, 36);
  footer.writeBigUInt64BE(BigInt(spec.size), 40);
  footer.writeBigUInt64BE(BigInt(spec.size), 48);
  const [cylinders, heads, perTrack] = geometry(spec.size);
  footer.writeUInt16BE(cylinders, 56);
  footer.writeUInt8(heads, 58);
  footer.writeUInt8(perTrack, 59);
  footer.writeUInt32BE({ fixed: 2, dynamic: 3, differencing: 4 }[spec.type], 60);
  putUuid(footer, 68, uniqueId);
  footer.writeUInt32BE(checksumOf(footer), 64);
  return footer;
}

function locatorData(locator: VhdLocatorSpec): Buffer {
  return locator.platform === 'MacX'
    ? Buffer.from(`file://${locator.path}`, 'utf8')
    : Buffer.from(locator.path, 'utf16le');
}

/** The virtual disk's bytes and which sectors were written. */
function applyWrites(spec: VhdSpec) {
  const data = Buffer.alloc(spec.size);
  const written = new Uint8Array(spec.size / SECTOR);
  const order: number[] = []; // sectors in the order first written
  for (const write of spec.writes ?? []) {
    write.bytes.copy(data, write.offset);
    for (let s = write.offset / SECTOR; s < (write.offset + write.bytes.length) / SECTOR; s += 1) {
      if (!written[s]) order.push(s);
      written[s] = 1;
    }
  }
  return { data, written, order };
}

/** A VHD file's bytes (then `slack` bytes of nothing) holding `spec.writes`. */
export function encodeVhd(spec: VhdSpec): Buffer {
  const uniqueId = spec.uniqueId ?? randomUUID();
  const { data, written, order } = applyWrites(spec);
  const slack = Buffer.alloc(spec.slack ?? 0);
  if (spec.type === 'fixed')
    return Buffer.concat([data, footerFor(spec, uniqueId, 0xffffffffffffffffn), slack]);

  const blockSize = spec.blockSize ?? 2 * 1024 * 1024;
  const sectorsPerBlock = blockSize / SECTOR;
  const bitmapSize = Math.ceil(sectorsPerBlock / 8 / SECTOR) * SECTOR;
  const entries = Math.ceil(spec.size / blockSize);
  const batSize = Math.ceil((entries * 4) / SECTOR) * SECTOR;
  const locators = spec.type === 'differencing' ? (spec.parent?.locators ?? []) : [];
  const locatorBytes = locators.map(locatorData);
  const locatorSpace = locatorBytes.map((bytes) => Math.ceil(bytes.length / SECTOR) * SECTOR);

  const blocks: number[] = [];
  for (const sector of order) {
    const block = Math.floor(sector / sectorsPerBlock);
    if (!blocks.includes(block)) blocks.push(block);
  }
  if (spec.isReversed) blocks.reverse();

  const header = Buffer.alloc(1024);
  const bat = Buffer.alloc(batSize, 0xff);
  const tableOffset = 512 + 1024;
  let cursor = tableOffset + batSize;
  const locatorOffsets = locatorSpace.map((space) => {
    const at = cursor;
    cursor += space;
    return at;
  });
  const body: Buffer[] = [];
  for (const block of blocks) {
    bat.writeUInt32BE(cursor / SECTOR, block * 4);
    const bitmap = Buffer.alloc(bitmapSize);
    const payload = Buffer.alloc(blockSize, 0xee);
    for (let i = 0; i < sectorsPerBlock; i += 1) {
      const sector = block * sectorsPerBlock + i;
      if (!written[sector]) continue;
      bitmap[Math.floor(i / 8)] |= 1 << (7 - (i % 8));
      data.copy(payload, i * SECTOR, sector * SECTOR, sector * SECTOR + SECTOR);
    }
    body.push(bitmap, payload);
    cursor += bitmapSize + blockSize;
  }

  header.write('cxsparse', 0, 'latin1');
  header.writeBigUInt64BE(0xffffffffffffffffn, 8);
  header.writeBigUInt64BE(BigInt(tableOffset), 16);
  header.writeUInt32BE(0x00010000, 24);
  header.writeUInt32BE(entries, 28);
  header.writeUInt32BE(blockSize, 32);
  if (spec.type === 'differencing' && spec.parent) {
    putUuid(header, 40, spec.parent.uniqueId);
    header.writeUInt32BE(0x2e8a0000, 56);
    const name = Buffer.from(spec.parent.name, 'utf16le');
    name.swap16(); // the header's parent name is UTF-16 big-endian
    name.copy(header, 64, 0, Math.min(name.length, 512));
    locators.forEach((locator, i) => {
      const at = 576 + i * 24;
      header.write(locator.platform, at, 'latin1');
      header.writeUInt32BE((locatorSpace[i] as number) / SECTOR, at + 4);
      header.writeUInt32BE((locatorBytes[i] as Buffer).length, at + 8);
      header.writeBigUInt64BE(BigInt(locatorOffsets[i] as number), at + 16);
    });
  }
  header.writeUInt32BE(checksumOf(header), 36);

  const footer = footerFor(spec, uniqueId, 512n);
  const locatorBlobs = locatorBytes.map((bytes, i) => {
    const out = Buffer.alloc(locatorSpace[i] as number);
    bytes.copy(out);
    return out;
  });
  return Buffer.concat([footer, header, bat, ...locatorBlobs, ...body, footer, slack]);
}
