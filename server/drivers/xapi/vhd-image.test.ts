/**
 * The VHD reader (vhd-format.ts, vhd-image.ts) on real VHD bytes from the test support's own writer
 * (fake/fake-vhd-writer.ts, written from the spec apart from the reader): one row per kind of disk
 * and chain, the raw image compared with what was written; one row per damage, refused with its
 * reason. Reads are recorded: a block no layer allocated is never read.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeVhd, type VhdSpec, type VhdWrite } from './fake/fake-vhd-writer';
import { parseFooter, vhdChecksum } from './vhd-format';
import { chainSize, openChain, type RangeSource, type ResolvedParent, rawImage } from './vhd-image';

const KIB = 1024;
const BLOCK = 64 * KIB;
const SIZE = 256 * KIB;

const bytesOf = (seed: string, length: number) => {
  const out = Buffer.alloc(length);
  let block = createHash('sha256').update(seed).digest();
  for (let at = 0; at < length; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
};
const write = (seed: string, offset: number, length: number): VhdWrite => ({
  offset,
  bytes: bytesOf(seed, length),
});

/** What the guest sees after `writes` in order, over zeros. */
function expected(size: number, ...layers: VhdWrite[][]): Buffer {
  const out = Buffer.alloc(size);
  for (const writes of layers) for (const w of writes) w.bytes.copy(out, w.offset);
  return out;
}

const BASE = '11111111-1111-4111-8111-111111111111';
const MID = '22222222-2222-4222-8222-222222222222';
const LEAF = '33333333-3333-4333-8333-333333333333';
const uid = (n: number) => `0000000${n}-0000-4000-8000-00000000000${n}`;

/** The VG's LVs by name, each read recorded as `<lv>@<offset>+<length>`. */
function volumeGroup(lvs: Record<string, Buffer>) {
  const reads: string[] = [];
  const source = (name: string): RangeSource => ({
    name,
    read: async (offset, length) => {
      reads.push(`${name}@${offset}+${length}`);
      const lv = lvs[name] as Buffer;
      if (offset + length > lv.length) throw new Error(`short read of ${name}`);
      return Buffer.from(lv.subarray(offset, offset + length));
    },
  });
  const resolve = async (uuid: string): Promise<ResolvedParent> => {
    if (lvs[`VHD-${uuid}`]) return { kind: 'vhd', source: source(`VHD-${uuid}`) };
    if (lvs[`LV-${uuid}`]) return { kind: 'raw', source: source(`LV-${uuid}`) };
    throw new Error(`no LV of ${uuid}`);
  };
  return { reads, source, resolve };
}

async function decode(lvs: Record<string, Buffer>, leaf: string, size = SIZE) {
  const vg = volumeGroup(lvs);
  const signal = new AbortController().signal;
  const layers = await openChain(vg.source(leaf), size, vg.resolve, signal);
  const chunks: Buffer[] = [];
  for await (const chunk of rawImage(layers, signal)) chunks.push(chunk);
  return { image: Buffer.concat(chunks), layers, reads: vg.reads, size: chainSize(layers) };
}

const child = (
  spec: Omit<VhdSpec, 'type' | 'size'>,
  parentUuid: string,
  parentUniqueId: string,
): VhdSpec => ({
  type: 'differencing',
  size: SIZE,
  blockSize: BLOCK,
  ...spec,
  parent: {
    uniqueId: parentUniqueId,
    name: `VHD-${parentUuid}`,
    // LVHD writes the parent's path in the live VG: only its uuid is taken from it.
    locators: [{ platform: 'MacX', path: `/dev/VG_XenStorage-live/VHD-${parentUuid}` }],
  },
});

const baseWrites = [write('base-a', 0, 96 * KIB), write('base-b', 200 * KIB, 8 * KIB)];
const midWrites = [write('mid', 32 * KIB, 64 * KIB + 512)];
const leafWrites = [write('leaf-a', 4096, 1024), write('leaf-b', 250 * KIB, 6 * KIB)];

const rows: {
  name: string;
  lvs: () => Record<string, Buffer>;
  want: Buffer;
  layers: number;
}[] = [
  {
    name: 'a fixed VHD is its data before the footer (the LV longer than the file)',
    lvs: () => ({
      [`VHD-${LEAF}`]: encodeVhd({ type: 'fixed', size: SIZE, writes: leafWrites, slack: 8192 }),
    }),
    want: expected(SIZE, leafWrites),
    layers: 1,
  },
  {
    name: 'a dynamic VHD: written sectors, zeros elsewhere (an allocated block’s unwritten sectors too)',
    lvs: () => ({
      [`VHD-${LEAF}`]: encodeVhd({
        type: 'dynamic',
        size: SIZE,
        blockSize: BLOCK,
        writes: baseWrites,
        slack: 4096,
      }),
    }),
    want: expected(SIZE, baseWrites),
    layers: 1,
  },
  {
    name: 'a dynamic VHD whose blocks are stored out of disk order (the BAT decides)',
    lvs: () => ({
      [`VHD-${LEAF}`]: encodeVhd({
        type: 'dynamic',
        size: SIZE,
        blockSize: BLOCK,
        writes: baseWrites,
        isReversed: true,
      }),
    }),
    want: expected(SIZE, baseWrites),
    layers: 1,
  },
  {
    name: 'a dynamic VHD with 2 MiB blocks (LVHD’s) and a size not a whole number of blocks',
    lvs: () => ({
      [`VHD-${LEAF}`]: encodeVhd({
        type: 'dynamic',
        size: 3 * 1024 * KIB,
        writes: [write('big', 2048 * KIB - 512, 4096)],
      }),
    }),
    want: expected(3 * 1024 * KIB, [write('big', 2048 * KIB - 512, 4096)]),
    layers: 1,
  },
  {
    name: 'a differencing VHD over a dynamic one: its sectors over the parent’s, the rest read through',
    lvs: () => ({
      [`VHD-${BASE}`]: encodeVhd({
        type: 'dynamic',
        size: SIZE,
        blockSize: BLOCK,
        uniqueId: uid(1),
        writes: baseWrites,
      }),
      [`VHD-${LEAF}`]: encodeVhd(child({ writes: leafWrites, uniqueId: uid(3) }, BASE, uid(1))),
    }),
    want: expected(SIZE, baseWrites, leafWrites),
    layers: 2,
  },
  {
    name: 'a chain of three (base, hidden middle, leaf), the leaf’s blocks reversed in the file',
    lvs: () => ({
      [`VHD-${BASE}`]: encodeVhd({
        type: 'dynamic',
        size: SIZE,
        blockSize: BLOCK,
        uniqueId: uid(1),
        writes: baseWrites,
      }),
      [`VHD-${MID}`]: encodeVhd(child({ writes: midWrites, uniqueId: uid(2) }, BASE, uid(1))),
      [`VHD-${LEAF}`]: encodeVhd(
        child({ writes: leafWrites, uniqueId: uid(3), isReversed: true }, MID, uid(2)),
      ),
    }),
    want: expected(SIZE, baseWrites, midWrites, leafWrites),
    layers: 3,
  },
  {
    name: 'a differencing VHD over a raw LV (a raw VDI’s snapshot child)',
    lvs: () => ({
      [`LV-${BASE}`]: expected(SIZE, baseWrites),
      [`VHD-${LEAF}`]: encodeVhd(child({ writes: leafWrites, uniqueId: uid(3) }, BASE, uid(1))),
    }),
    want: expected(SIZE, baseWrites, leafWrites),
    layers: 2,
  },
  {
    name: 'a parent named by W2ku and W2ru locators (UTF-16LE paths) as well as its name',
    lvs: () => {
      const spec = child({ writes: leafWrites, uniqueId: uid(3) }, BASE, uid(1));
      const parent = spec.parent as NonNullable<VhdSpec['parent']>;
      parent.locators = [
        { platform: 'W2ku', path: `C:\\vms\\${BASE}.vhd` },
        { platform: 'W2ru', path: `.\\${BASE}.vhd` },
      ];
      return {
        [`VHD-${BASE}`]: encodeVhd({
          type: 'dynamic',
          size: SIZE,
          blockSize: BLOCK,
          uniqueId: uid(1),
          writes: baseWrites,
        }),
        [`VHD-${LEAF}`]: encodeVhd(spec),
      };
    },
    want: expected(SIZE, baseWrites, leafWrites),
    layers: 2,
  },
];

describe('a VHD decoded to its raw image', () => {
  it.each(rows)('$name', async (row) => {
    const { image, layers, size } = await decode(row.lvs(), `VHD-${LEAF}`, row.want.length);
    expect(size).toBe(row.want.length);
    expect(layers).toHaveLength(row.layers);
    expect(image.equals(row.want)).toBe(true);
  });

  it('reads only the blocks a layer allocated: an empty child costs its metadata, then the parent’s blocks', async () => {
    const lvs = {
      [`VHD-${BASE}`]: encodeVhd({
        type: 'dynamic',
        size: SIZE,
        blockSize: BLOCK,
        uniqueId: uid(1),
        writes: baseWrites,
      }),
      [`VHD-${LEAF}`]: encodeVhd(child({ writes: [], uniqueId: uid(3) }, BASE, uid(1))),
    };
    const { image, reads } = await decode(lvs, `VHD-${LEAF}`);
    expect(image.equals(expected(SIZE, baseWrites))).toBe(true);
    const blockReads = reads.filter((r) => r.endsWith(`+${512 + BLOCK}`));
    // The base allocated blocks 0, 1 (0-96 KiB) and 3 (200 KiB): three reads, none of the leaf.
    expect(blockReads.map((r) => r.split('@')[0])).toEqual([`VHD-${BASE}`, `VHD-${BASE}`, `VHD-${BASE}`]);
  });
});

/** A byte flipped in a copy of `bytes` at `offset`. */
const damaged = (bytes: Buffer, offset: number) => {
  const out = Buffer.from(bytes);
  out[offset] = (out[offset] as number) ^ 0xff;
  return out;
};

const refusals: { name: string; lvs: () => Record<string, Buffer>; error: RegExp }[] = [
  {
    name: 'a footer whose checksum does not match',
    lvs: () => ({
      [`VHD-${LEAF}`]: damaged(encodeVhd({ type: 'dynamic', size: SIZE, blockSize: BLOCK }), 50),
    }),
    error: /footer checksum mismatch/,
  },
  {
    name: 'a dynamic header whose checksum does not match',
    lvs: () => ({
      [`VHD-${LEAF}`]: damaged(encodeVhd({ type: 'dynamic', size: SIZE, blockSize: BLOCK }), 512 + 33),
    }),
    error: /dynamic disk header checksum mismatch/,
  },
  {
    name: 'bytes that are no VHD at all',
    lvs: () => ({ [`VHD-${LEAF}`]: Buffer.alloc(SIZE * 2, 0x42) }),
    error: /no VHD footer|not a VHD/,
  },
  {
    name: 'a parent under the name whose unique id is not the one the child was made from',
    lvs: () => ({
      [`VHD-${BASE}`]: encodeVhd({ type: 'dynamic', size: SIZE, blockSize: BLOCK, uniqueId: uid(9) }),
      [`VHD-${LEAF}`]: encodeVhd(child({ uniqueId: uid(3) }, BASE, uid(1))),
    }),
    error: /is another disk \(unique id 00000009-.*made from 00000001-/,
  },
  {
    name: 'a parent name and a locator that name two disks',
    lvs: () => {
      const spec = child({ uniqueId: uid(3) }, BASE, uid(1));
      (spec.parent as NonNullable<VhdSpec['parent']>).locators = [
        { platform: 'MacX', path: `/dev/vg/VHD-${MID}` },
      ];
      return { [`VHD-${LEAF}`]: encodeVhd(spec) };
    },
    error: /not named by one VDI uuid/,
  },
  {
    name: 'a chain that loops (a disk its own parent)',
    lvs: () => ({ [`VHD-${LEAF}`]: encodeVhd(child({ uniqueId: uid(3) }, LEAF, uid(3))) }),
    error: /deeper than 32/,
  },
];

describe('a VHD refused', () => {
  it.each(refusals)('$name', async (row) => {
    await expect(decode(row.lvs(), `VHD-${LEAF}`)).rejects.toThrow(row.error);
  });

  it('the checksum is the one’s complement of the byte sum without its own field', () => {
    const footer = encodeVhd({ type: 'fixed', size: 4096 }).subarray(4096);
    expect(vhdChecksum(footer, 64)).toBe(footer.readUInt32BE(64));
    expect(parseFooter(footer)).toMatchObject({ diskType: 'fixed', currentSize: 4096, dataOffset: null });
  });
});
