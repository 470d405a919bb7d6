/**
 * Test support: the fake pool's iSCSI SR on the fake cluster's LUN, sharing bytes. The SR is laid
 * out on the LUN as an LVHD SR (fake-dom0-storage.ts): a VG `VG_XenStorage-<sr uuid>` with one raw
 * LV `LV-<vdi uuid>` per VDI on it holding the bytes the fake pool holds; the VDIs a test names are
 * VHD chains instead (`vhdChain`), whose decoded image is those bytes. A write to a VDI
 * (`writeVdi`) goes to both, as a guest's write through its tapdisk reaches the LUN; so an array
 * snapshot holds the VDIs' bytes at its time, and a clone of it what dom0 reads; a VDI written
 * through XAPI (`/import_raw_vdi`) is written to its LV as well. The pool's hosts
 * are one igroup (`xen-pool`); dom0 sees the LUNs mapped to it.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  FakeDom0Storage,
  type FakeLvmLabel,
  labelBytes,
  lvhdLayout,
  readLabel,
} from '../xapi/fake/fake-dom0-storage';
import type { FakePool } from '../xapi/fake/fake-pool';
import { encodeVhd, type VhdWrite } from '../xapi/fake/fake-vhd-writer';
import type { FakeLun, FakeOntapModel } from './fake/fake-ontap-model';
import { naaFromSerial } from './ontap-naa';

export const XEN_IGROUP = 'xen-pool';

export interface SrOnLun {
  storage: FakeDom0Storage;
  /** The live VG's label as laid out (what must never change). */
  label: FakeLvmLabel;
  /** The VG's name in dom0: `VG_XenStorage-<sr uuid>`. */
  vgName: string;
  writeVdi(vdiRef: string, bytes: Buffer): void;
  /** The live LUN's label now. */
  liveLabel(): FakeLvmLabel | null;
}

interface LaidOutLv {
  /** The VDI whose leaf this LV is; absent for a hidden VHD parent. */
  ref?: string;
  lvName: string;
  bytes: Buffer;
  /** The LV's contents for the VDI's raw bytes after a guest's write (the leaf's). */
  encode(raw: Buffer): Buffer;
}

const BLOCK = 64 * 1024;

/**
 * A VHD VDI as LVHD keeps one with a snapshot taken once: a hidden base `VHD-<base uuid>` (dynamic)
 * and the VDI's leaf `VHD-<vdi uuid>` (differencing), whose parent locator names the base by its
 * path in the live VG. The base holds the disk but its last quarter, and stale bytes in half of its
 * second quarter; the leaf holds those (blocks laid out last first). A guest's write rewrites the
 * leaf with the whole disk. Real VHD bytes (fake-vhd-writer.ts); the leaf's LV is sized for a full
 * leaf, with slack after it as LVHD leaves.
 */
function vhdChain(srUuid: string, ref: string, vdiUuid: string, raw: Buffer): LaidOutLv[] {
  const size = raw.length;
  const quarter = Math.floor(size / 4 / 512) * 512;
  const stale = Buffer.from(raw.subarray(quarter, quarter + quarter / 2)).map((byte) => byte ^ 0xff);
  const baseUuid = randomUUID();
  const baseUniqueId = randomUUID();
  const base = encodeVhd({
    type: 'dynamic',
    size,
    blockSize: BLOCK,
    uniqueId: baseUniqueId,
    writes: [
      { offset: 0, bytes: raw.subarray(0, quarter) },
      { offset: quarter, bytes: Buffer.from(stale) },
      { offset: quarter + quarter / 2, bytes: raw.subarray(quarter + quarter / 2, 3 * quarter) },
    ],
  });
  const leafUniqueId = randomUUID();
  const leaf = (writes: VhdWrite[]) =>
    encodeVhd({
      type: 'differencing',
      size,
      blockSize: BLOCK,
      uniqueId: leafUniqueId,
      writes,
      isReversed: true,
      parent: {
        uniqueId: baseUniqueId,
        name: `VHD-${baseUuid}`,
        locators: [{ platform: 'MacX', path: `/dev/VG_XenStorage-${srUuid}/VHD-${baseUuid}` }],
      },
    });
  const encode = (bytes: Buffer) => leaf([{ offset: 0, bytes }]);
  const first = leaf([
    { offset: quarter, bytes: raw.subarray(quarter, quarter + quarter / 2) },
    { offset: 3 * quarter, bytes: raw.subarray(3 * quarter) },
  ]);
  const room = Buffer.alloc(encode(raw).length + 4096);
  first.copy(room);
  return [
    { lvName: `VHD-${baseUuid}`, bytes: base, encode: () => base },
    { ref, lvName: `VHD-${vdiUuid}`, bytes: room, encode },
  ];
}

export function layOutSrOnLun(
  pool: FakePool,
  srRef: string,
  model: FakeOntapModel,
  lun: FakeLun,
  vhdDisks: string[] = [],
): SrOnLun {
  const srUuid = pool.get('SR', srRef)?.uuid as string;
  const lvs: LaidOutLv[] = [];
  for (const [ref, bytes] of pool.vdiBytes) {
    const vdi = pool.get('VDI', ref);
    if (vdi?.SR !== srRef) continue;
    const isVhd = vhdDisks.includes(vdi.name_label as string);
    // The SM records the format in the VDI's sm_config, which discovery reads (XS-ARRAY-COPY-VHD).
    const smConfig = (vdi.sm_config ?? {}) as Record<string, string>;
    pool.mod('VDI', ref, { sm_config: { ...smConfig, vdi_type: isVhd ? 'vhd' : 'aio' } });
    if (isVhd) lvs.push(...vhdChain(srUuid, ref, vdi.uuid as string, bytes));
    else lvs.push({ ref, lvName: `LV-${vdi.uuid as string}`, bytes, encode: (raw) => raw });
  }
  const { label, size } = lvhdLayout(srUuid, lvs);
  // The LUN is grown to the layout (a whole number of MiB) before anything maps it.
  lun.sizeBytes = Math.max(lun.sizeBytes, Math.ceil(size / 2 ** 20) * 2 ** 20);
  const data = Buffer.alloc(lun.sizeBytes);
  labelBytes(label).copy(data);
  lvs.forEach(({ bytes }, index) => {
    bytes.copy(data, label.lvs[index]?.offset ?? 0);
  });
  writeFileSync(model.lunFile(lun), data);
  const group =
    [...model.igroups.values()].find((candidate) => candidate.name === XEN_IGROUP) ??
    model.addIgroup('svm1', XEN_IGROUP, ['iqn.2024-01.org.xcp-ng:xcp1', 'iqn.2024-01.org.xcp-ng:xcp2']);
  model.lunMaps.push({ lunUuid: lun.uuid, igroupUuid: group.uuid, lunNumber: 0 });
  const storage = new FakeDom0Storage(() =>
    model.lunMaps
      .filter((map) => map.igroupUuid === group.uuid)
      .map((map) => model.luns.get(map.lunUuid))
      .filter((candidate): candidate is FakeLun => candidate !== undefined)
      .map((mapped) => ({
        naa: naaFromSerial(mapped.serial),
        read: () => model.readLun(mapped.name),
        write: (offset: number, bytes: Buffer) => model.writeLun(mapped.name, offset, bytes),
      })),
  );
  /** Writes a VDI's raw bytes into its LV on the LUN (a VHD leaf re-encoded); false when it has none. */
  const writeLv = (vdiRef: string, bytes: Buffer): boolean => {
    const index = lvs.findIndex((candidate) => candidate.ref === vdiRef);
    const lv = label.lvs[index];
    if (!lv) return false;
    const encoded = (lvs[index] as LaidOutLv).encode(bytes);
    if (encoded.length > lv.bytes) return false;
    const padded = Buffer.alloc(lv.bytes);
    encoded.copy(padded);
    model.writeLun(lun.name, lv.offset, padded);
    return true;
  };
  // A VDI written through XAPI (a restore's /import_raw_vdi) reaches its LV on the LUN too.
  pool.onVdiWrite = (vdiRef, bytes) => {
    writeLv(vdiRef, bytes);
  };
  return {
    storage,
    label,
    vgName: label.vgName,
    writeVdi(vdiRef, bytes) {
      const current = pool.vdiBytes.get(vdiRef);
      if (!current || bytes.length !== current.length || !writeLv(vdiRef, bytes))
        throw new Error(`${vdiRef} is not a VDI of the same size on the SR`);
      pool.vdiBytes.set(vdiRef, Buffer.from(bytes));
    },
    liveLabel: () => readLabel(model.readLun(lun.name)),
  };
}
