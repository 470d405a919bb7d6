/**
 * A VHD chain decoded to the raw disk image it stands for (vhd-format.ts has the structures). Pure:
 * the bytes come from a `RangeSource` (dom0 reads LV ranges over SSH, xapi-array-copy.ts; tests read
 * buffers), and only the ranges needed are read: the footer, the header, the BAT, the parent
 * locators, then each allocated block (bitmap and data in one read). An unallocated block is never
 * read: it is the parent's, or zeros.
 *
 * A sector is taken from the topmost layer whose block holds it (its bitmap bit set), as libvhd reads
 * a chain; a sector no layer holds is zeros. The spec's rule is applied to dynamic disks too (a clear
 * bit reads as zeros), though writers zero a new block anyway. A parent is resolved by the caller
 * from the uuid the child names (its header's parent name and its locators must agree) and must
 * carry the unique id the child's header records: another disk under that name (a chain coalesced
 * since) is refused, never read as the parent.
 */
import {
  batBytes,
  bitmapBytes,
  decodeLocator,
  FOOTER_BYTES,
  HEADER_BYTES,
  isSectorPresent,
  parseBat,
  parseDynamicHeader,
  parseFooter,
  SECTOR,
  UNALLOCATED,
  uuidInName,
  type VhdDynamicHeader,
  type VhdFooter,
  VhdFormatError,
} from './vhd-format';

export interface RangeSource {
  /** What the bytes are, for messages (an LV's path). */
  name: string;
  /** Exactly `length` bytes at `offset` (a short read is the source's error). */
  read(offset: number, length: number, signal: AbortSignal): Promise<Buffer>;
}

export type VhdLayer =
  | {
      kind: 'vhd';
      source: RangeSource;
      footer: VhdFooter;
      /** Null for a fixed VHD. */
      header: VhdDynamicHeader | null;
      bat: number[];
    }
  | { kind: 'raw'; source: RangeSource; size: number };

/** What a parent uuid resolves to: its bytes, and whether they are a VHD or a raw LV. */
export interface ResolvedParent {
  source: RangeSource;
  kind: 'vhd' | 'raw';
}

/** LVHD chains are at most 30 deep; a longer one is a loop or damage. */
export const MAX_CHAIN_DEPTH = 32;
const DEFAULT_CHUNK = 2 * 1024 * 1024;

const isCookie = (bytes: Buffer) => bytes.toString('latin1', 0, 8) === 'conectix';

/**
 * Opens one VHD: a dynamic or differencing one by the footer's copy at offset 0, else a fixed one
 * by its footer after `fixedSize` bytes of data (the disk's size as the caller knows it).
 */
export async function openVhd(
  source: RangeSource,
  fixedSize: number,
  signal: AbortSignal,
): Promise<VhdLayer> {
  const first = await source.read(0, FOOTER_BYTES, signal);
  // A fixed VHD's first sector is the guest's: a footer-looking one there is data, not a copy.
  const copy = isCookie(first) ? parseFooter(first) : null;
  if (copy && copy.diskType !== 'fixed') {
    const header = parseDynamicHeader(
      await source.read(copy.dataOffset as number, HEADER_BYTES, signal),
      copy.diskType,
    );
    const needed = Math.ceil(copy.currentSize / header.blockSize);
    if (header.maxTableEntries < needed)
      throw new VhdFormatError(
        `${source.name}: the BAT has ${header.maxTableEntries} entries for ${needed} blocks of the disk`,
      );
    const bat = parseBat(
      await source.read(header.tableOffset, batBytes(header.maxTableEntries), signal),
      header.maxTableEntries,
    );
    return { kind: 'vhd', source, footer: copy, header, bat };
  }
  const footer = parseFooter(await source.read(fixedSize, FOOTER_BYTES, signal).catch(notVhd(source)));
  if (footer.diskType !== 'fixed' || footer.currentSize !== fixedSize)
    throw new VhdFormatError(
      `${source.name}: no VHD footer at offset 0, nor a fixed disk's after ${fixedSize} bytes`,
    );
  return { kind: 'vhd', source, footer, header: null, bat: [] };
}

const notVhd = (source: RangeSource) => (error: unknown) => {
  throw new VhdFormatError(`${source.name}: not a VHD (${error instanceof Error ? error.message : error})`);
};

/** The uuid a differencing VHD names its parent by: its header's parent name and its locators agree. */
async function parentUuidOf(layer: VhdLayer & { kind: 'vhd' }, signal: AbortSignal): Promise<string> {
  const header = layer.header as VhdDynamicHeader;
  const named: [string, string][] = [];
  if (header.parentName) named.push(['parent name', header.parentName]);
  for (const locator of header.parentLocators) {
    if (locator.length === 0) continue;
    const path = decodeLocator(
      locator.platform,
      await layer.source.read(locator.offset, locator.length, signal),
    );
    if (path) named.push([`${locator.platform} locator`, path]);
  }
  const uuids = new Set(named.map(([, path]) => uuidInName(path)));
  const [uuid] = uuids;
  if (named.length === 0 || uuids.size !== 1 || !uuid)
    throw new VhdFormatError(
      `${layer.source.name}: its parent is not named by one VDI uuid (${named.map(([what, path]) => `${what} ${path}`).join(', ') || 'no name, no locator'})`,
    );
  return uuid;
}

/**
 * The chain from `leaf` down to its base, topmost first. `resolve` finds a parent by the uuid its
 * child names (and must look only where the caller's copy is, never elsewhere).
 */
export async function openChain(
  leaf: RangeSource,
  size: number,
  resolve: (parentUuid: string, child: RangeSource) => Promise<ResolvedParent>,
  signal: AbortSignal,
): Promise<VhdLayer[]> {
  const layers: VhdLayer[] = [await openVhd(leaf, size, signal)];
  for (;;) {
    const child = layers[layers.length - 1] as VhdLayer;
    if (child.kind !== 'vhd' || child.footer.diskType !== 'differencing') return layers;
    if (layers.length >= MAX_CHAIN_DEPTH)
      throw new VhdFormatError(`${leaf.name}: the VHD chain is deeper than ${MAX_CHAIN_DEPTH}`);
    const parent = await resolve(await parentUuidOf(child, signal), child.source);
    if (parent.kind === 'raw') {
      layers.push({ kind: 'raw', source: parent.source, size: child.footer.currentSize });
      return layers;
    }
    const opened = await openVhd(parent.source, child.footer.currentSize, signal);
    const expected = child.header?.parentUniqueId;
    if (opened.kind === 'vhd' && opened.footer.uniqueId !== expected)
      throw new VhdFormatError(
        `${child.source.name}: its parent ${parent.source.name} is another disk (unique id ${opened.footer.uniqueId}, the child was made from ${expected})`,
      );
    layers.push(opened);
  }
}

/** The size of the disk a chain stands for (its topmost layer's). */
export const chainSize = (layers: VhdLayer[]) => {
  const top = layers[0] as VhdLayer;
  return top.kind === 'vhd' ? top.footer.currentSize : top.size;
};

/** Copies the sectors of one layer into `out` (chunk at `offset`) that no layer above filled. */
async function fillFrom(
  layer: VhdLayer,
  offset: number,
  out: Buffer,
  filled: Uint8Array,
  signal: AbortSignal,
): Promise<void> {
  const end = offset + out.length;
  const take = (
    dataStart: number,
    data: Buffer,
    from: number,
    to: number,
    present: (s: number) => boolean,
  ) => {
    for (let at = from; at < to; at += SECTOR) {
      const sector = (at - offset) / SECTOR;
      if (filled[sector] || !present(at)) continue;
      data.copy(out, at - offset, at - dataStart, at - dataStart + SECTOR);
      filled[sector] = 1;
    }
  };
  if (layer.kind === 'raw' || layer.header === null) {
    const size = layer.kind === 'raw' ? layer.size : layer.footer.currentSize;
    const to = Math.min(end, size);
    if (to <= offset || filled.subarray(0, (to - offset) / SECTOR).every(Boolean)) return;
    take(offset, await layer.source.read(offset, to - offset, signal), offset, to, () => true);
    return;
  }
  const { blockSize } = layer.header;
  const bitmap = bitmapBytes(blockSize);
  const to = Math.min(end, layer.footer.currentSize);
  for (let block = Math.floor(offset / blockSize); block * blockSize < to; block += 1) {
    const entry = layer.bat[block] ?? UNALLOCATED;
    if (entry === UNALLOCATED) continue;
    const blockStart = block * blockSize;
    const from = Math.max(offset, blockStart);
    const until = Math.min(to, blockStart + blockSize);
    const span = filled.subarray((from - offset) / SECTOR, (until - offset) / SECTOR);
    if (span.every(Boolean)) continue;
    const bytes = await layer.source.read(entry * SECTOR, bitmap + blockSize, signal);
    const data = bytes.subarray(bitmap);
    take(blockStart, data, from, until, (at) => isSectorPresent(bytes, (at - blockStart) / SECTOR));
  }
}

/** The raw disk image of a chain (topmost first), chunk by chunk (the top's block size). */
export async function* rawImage(layers: VhdLayer[], signal: AbortSignal): AsyncGenerator<Buffer> {
  const top = layers[0] as VhdLayer;
  const size = chainSize(layers);
  const chunk = top.kind === 'vhd' && top.header ? top.header.blockSize : DEFAULT_CHUNK;
  for (let offset = 0; offset < size; offset += chunk) {
    const out = Buffer.alloc(Math.min(chunk, size - offset));
    const filled = new Uint8Array(out.length / SECTOR);
    for (const layer of layers) {
      if (filled.every(Boolean)) break;
      await fillFrom(layer, offset, out, filled, signal);
    }
    yield out;
  }
}
