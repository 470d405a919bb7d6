/**
 * Test support: the fake pool's iSCSI SR on the fake cluster's LUN, sharing bytes. The SR is laid
 * out on the LUN as an LVHD SR (fake-dom0-storage.ts): a VG `VG_XenStorage-<sr uuid>` with one raw
 * LV `LV-<vdi uuid>` per VDI on it (`VHD-<vdi uuid>` for the VDIs a test names), holding the bytes the fake pool holds. A write to a VDI
 * (`writeVdi`) goes to both, as a guest's write through its tapdisk reaches the LUN; so an array
 * snapshot holds the VDIs' bytes at its time, and a clone of it what dom0 reads; a VDI written
 * through XAPI (`/import_raw_vdi`) is written to its LV as well. The pool's hosts
 * are one igroup (`xen-pool`); dom0 sees the LUNs mapped to it.
 */
import { writeFileSync } from 'node:fs';
import {
  FakeDom0Storage,
  type FakeLvmLabel,
  labelBytes,
  lvhdLayout,
  readLabel,
} from '../xapi/fake/fake-dom0-storage';
import type { FakePool } from '../xapi/fake/fake-pool';
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

export function layOutSrOnLun(
  pool: FakePool,
  srRef: string,
  model: FakeOntapModel,
  lun: FakeLun,
  vhdDisks: string[] = [],
): SrOnLun {
  const srUuid = pool.get('SR', srRef)?.uuid as string;
  const vdis = [...pool.vdiBytes]
    .filter(([ref]) => pool.get('VDI', ref)?.SR === srRef)
    .map(([ref, bytes]) => {
      const vdi = pool.get('VDI', ref);
      // A VHD LV's bytes here are the raw disk's: only its name matters to what reads it.
      const isVhd = vhdDisks.includes(vdi?.name_label as string);
      const prefix = isVhd ? 'VHD' : 'LV';
      // The SM records the same in the VDI's sm_config, which discovery reads (XS-ARRAY-COPY-VHD).
      const smConfig = (vdi?.sm_config ?? {}) as Record<string, string>;
      pool.mod('VDI', ref, { sm_config: { ...smConfig, vdi_type: isVhd ? 'vhd' : 'aio' } });
      return { ref, lvName: `${prefix}-${vdi?.uuid as string}`, bytes };
    });
  const { label, size } = lvhdLayout(srUuid, vdis);
  // The LUN is grown to the layout (a whole number of MiB) before anything maps it.
  lun.sizeBytes = Math.max(lun.sizeBytes, Math.ceil(size / 2 ** 20) * 2 ** 20);
  const data = Buffer.alloc(lun.sizeBytes);
  labelBytes(label).copy(data);
  vdis.forEach(({ bytes }, index) => {
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
  // A VDI written through XAPI (a restore's /import_raw_vdi) reaches its LV on the LUN too.
  pool.onVdiWrite = (vdiRef, bytes) => {
    const lv = label.lvs[vdis.findIndex((vdi) => vdi.ref === vdiRef)];
    if (lv && bytes.length === lv.bytes) model.writeLun(lun.name, lv.offset, bytes);
  };
  return {
    storage,
    label,
    vgName: label.vgName,
    writeVdi(vdiRef, bytes) {
      const lv = label.lvs[vdis.findIndex((vdi) => vdi.ref === vdiRef)];
      if (!lv || bytes.length !== lv.bytes)
        throw new Error(`${vdiRef} is not a VDI of the same size on the SR`);
      model.writeLun(lun.name, lv.offset, bytes);
      pool.vdiBytes.set(vdiRef, Buffer.from(bytes));
    },
    liveLabel: () => readLabel(model.readLun(lun.name)),
  };
}
