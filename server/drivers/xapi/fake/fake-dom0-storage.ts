/**
 * The block devices and LVM of a fake dom0, for reading a Xen VM's disks out of an array snapshot
 * (xapi-array-copy.ts). The LUNs are the fake ONTAP's (real bytes in files): dom0 sees those mapped
 * to its igroup once the iSCSI sessions were rescanned, under `/dev/disk/by-id/scsi-3<naa>`.
 *
 * The layout on a LUN is a small stand-in for LVM2's, not its on-disk format: the first 4 KiB hold
 * `MGWLVM1\n` and JSON (PV uuid, VG name and uuid, each LV's name, offset and size), the LVs' bytes
 * follow. An LVHD SR is a VG `VG_XenStorage-<sr uuid>` with one LV per VDI (`LV-<uuid>` raw,
 * `VHD-<uuid>` VHD). A FlexClone of the LUN carries the same PV / VG uuids and VG name, as on a
 * real array, so activating it under its name while the original is visible is refused as LVM
 * refuses duplicate PVs.
 *
 * Commands answered (with the real tools' error text where one is refused):
 * `iscsiadm -m session -R`, `udevadm settle`, `readlink -e <path>`,
 * `pvs --noheadings -o vg_name <dev>`, `vgs --noheadings -o vg_name`,
 * `vgimportclone --basevgname <vg> <dev>` (new PV / VG uuids, the name with a numeric suffix when
 * taken), `lvs --noheadings -o lv_name <vg>`,
 * `lvchange -ay|-an <vg>/<lv>`, `vgchange -an <vg>`, `vgremove -f <vg>`,
 * `head -c <n> /dev/<vg>/<lv>` (also piped to `sha256sum`, answering the hash line) and
 * `dd if=/dev/<vg>/<lv> iflag=skip_bytes,count_bytes bs=1M skip=<offset> count=<n> status=none`
 * (the LV's bytes, only while it is active; dd stops at the LV's end, as at a device's). What an LV
 * holds is its layer's business: a VHD LV holds a real VHD (ontap/xapi-ontap-lun.ts). Anything else
 * is not storage's: the machine answers it (or "command not found").
 */
import { createHash, randomUUID } from 'node:crypto';

export interface FakeBlockDevice {
  /** NAA id, 32 lower-case hex digits. */
  naa: string;
  read(): Buffer;
  write(offset: number, bytes: Buffer): void;
}

export interface FakeLv {
  name: string;
  offset: number;
  bytes: number;
}

export interface FakeLvmLabel {
  pvUuid: string;
  vgName: string;
  vgUuid: string;
  lvs: FakeLv[];
}

const MAGIC = 'MGWLVM1\n';
export const LABEL_BYTES = 4096;

export function readLabel(bytes: Buffer): FakeLvmLabel | null {
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) return null;
  const text = bytes.subarray(MAGIC.length, LABEL_BYTES).toString('utf8').replace(/\0+$/, '');
  return JSON.parse(text) as FakeLvmLabel;
}

export function labelBytes(label: FakeLvmLabel | null): Buffer {
  const out = Buffer.alloc(LABEL_BYTES);
  if (label) Buffer.from(MAGIC + JSON.stringify(label)).copy(out);
  return out;
}

/** An LVHD SR's layout: the label, then each VDI's bytes as an LV (in order). */
export function lvhdLayout(srUuid: string, vdis: { lvName: string; bytes: Buffer }[]) {
  let offset = LABEL_BYTES;
  const lvs = vdis.map(({ lvName, bytes }) => {
    const lv = { name: lvName, offset, bytes: bytes.length };
    offset += bytes.length;
    return lv;
  });
  const label = { pvUuid: randomUUID(), vgName: `VG_XenStorage-${srUuid}`, vgUuid: randomUUID(), lvs };
  return { label, size: offset };
}

type Answer = { code: number; stdout?: string | Buffer; stderr?: string };
const ok = (stdout: string | Buffer = ''): Answer => ({ code: 0, stdout });
const fail = (code: number, stderr: string): Answer => ({ code, stderr });

export class FakeDom0Storage {
  /** Every storage command, in order (what a test checks was, or was not, touched). */
  readonly events: string[] = [];
  /** Active LVs, `<naa>/<lv>`: a device-mapper table exists for them. */
  readonly active = new Set<string>();
  /** Called with each storage command before it runs (a test acts at a precise moment). */
  onCommand: (line: string) => void = () => {};
  private readonly scanned = new Map<string, string>();
  private letter = 0;

  /** `devices`: the LUNs mapped to this host now (a rescan makes them visible). */
  constructor(private readonly devices: () => FakeBlockDevice[]) {}

  /** Imported VGs whose name starts with `prefix` (a leftover check). */
  vgNames(): string[] {
    return this.visible()
      .map(({ device }) => readLabel(device.read())?.vgName)
      .filter((name): name is string => Boolean(name));
  }

  /** Visible devices with their `/dev/sdX` path (a LUN unmapped since is gone at the next rescan). */
  private visible(): { path: string; device: FakeBlockDevice }[] {
    const mapped = new Map(this.devices().map((device) => [device.naa, device]));
    return [...this.scanned]
      .filter(([naa]) => mapped.has(naa))
      .map(([naa, path]) => ({ path, device: mapped.get(naa) as FakeBlockDevice }));
  }

  private byPath(path: string) {
    return this.visible().find((entry) => entry.path === path);
  }

  private vg(name: string): Answer | { device: FakeBlockDevice; label: FakeLvmLabel } {
    const found = this.visible()
      .map((entry) => ({ ...entry, label: readLabel(entry.device.read()) }))
      .filter((entry) => entry.label?.vgName === name);
    if (found.length === 0)
      return fail(5, `  Volume group "${name}" not found\n  Cannot process volume group ${name}\n`);
    if (found.length > 1) {
      const [first, second] = found;
      return fail(
        5,
        `  WARNING: PV ${first.label?.pvUuid} on ${second.path} was already found on ${first.path}.\n` +
          `  Cannot activate LVs in VG ${name} while PVs appear on duplicate devices.\n`,
      );
    }
    return { device: found[0].device, label: found[0].label as FakeLvmLabel };
  }

  answer(words: string[]): Answer | null {
    const line = words.join(' ');
    const [tool] = words;
    if (
      ![
        'iscsiadm',
        'udevadm',
        'readlink',
        'pvs',
        'vgs',
        'vgimportclone',
        'lvs',
        'lvchange',
        'vgchange',
        'vgremove',
        'head',
        'dd',
      ].includes(tool as string)
    )
      return null;
    this.events.push(line);
    this.onCommand(line);
    if (line === 'iscsiadm -m session -R') return this.rescan();
    if (line === 'udevadm settle') return ok();
    if (tool === 'readlink' && words[1] === '-e' && words.length === 3)
      return this.readlink(words[2] as string);
    if (tool === 'pvs' && line.startsWith('pvs --noheadings -o vg_name ') && words.length === 5)
      return this.pvs(words[4] as string);
    if (line === 'vgs --noheadings -o vg_name')
      return ok(
        this.vgNames()
          .map((name) => `  ${name}\n`)
          .join(''),
      );
    if (tool === 'vgimportclone' && words[1] === '--basevgname' && words.length === 4)
      return this.importClone(words[2] as string, words[3] as string);
    if (tool === 'lvs' && line.startsWith('lvs --noheadings -o lv_name ') && words.length === 5)
      return this.lvs(words[4] as string);
    if (tool === 'lvchange' && (words[1] === '-ay' || words[1] === '-an') && words.length === 3)
      return this.lvchange(words[1] === '-ay', words[2] as string);
    if (tool === 'vgchange' && words[1] === '-an' && words.length === 3)
      return this.vgchangeOff(words[2] as string);
    if (tool === 'vgremove' && words[1] === '-f' && words.length === 3)
      return this.vgremove(words[2] as string);
    if (tool === 'head' && words[1] === '-c' && words.length === 4)
      return this.head(Number(words[2]), words[3] as string);
    // `| sha256sum`: the LV hashed in dom0, as coreutils prints it for stdin.
    if (tool === 'head' && words[1] === '-c' && words.length === 6 && line.endsWith(' | sha256sum')) {
      const read = this.head(Number(words[2]), words[3] as string);
      if (read.code !== 0) return read;
      return ok(
        `${createHash('sha256')
          .update(read.stdout as Buffer)
          .digest('hex')}  -\n`,
      );
    }
    const dd = /^dd if=(\S+) iflag=skip_bytes,count_bytes bs=1M skip=(\d+) count=(\d+) status=none$/.exec(
      line,
    );
    if (dd) return this.dd(dd[1] as string, Number(dd[2]), Number(dd[3]));
    return fail(3, `${tool}: this fake dom0 does not model: ${line}\n`);
  }

  private rescan(): Answer {
    for (const device of this.devices()) {
      if (this.scanned.has(device.naa)) continue;
      this.letter += 1;
      this.scanned.set(device.naa, `/dev/sd${String.fromCharCode(97 + this.letter)}`);
    }
    return ok('Rescanning session [sid: 1, target: iqn.1992-08.com.netapp:sn.1, portal: 192.0.2.50,3260]\n');
  }

  private readlink(path: string): Answer {
    const naa = /^\/dev\/disk\/by-id\/scsi-3([0-9a-f]{32})$/.exec(path)?.[1];
    const found = naa ? this.visible().find((entry) => entry.device.naa === naa) : undefined;
    return found ? ok(`${found.path}\n`) : { code: 1 };
  }

  private pvs(path: string): Answer {
    const entry = this.byPath(path);
    const label = entry ? readLabel(entry.device.read()) : null;
    if (!label) return fail(5, `  Failed to find physical volume "${path}".\n`);
    return ok(`  ${label.vgName}\n`);
  }

  private importClone(base: string, path: string): Answer {
    const entry = this.byPath(path);
    const label = entry ? readLabel(entry.device.read()) : null;
    if (!entry || !label) return fail(5, `  Failed to find physical volume "${path}".\n`);
    const taken = new Set(this.vgNames());
    let name = base;
    for (let n = 1; taken.has(name); n += 1) name = `${base}${n}`;
    entry.device.write(0, labelBytes({ ...label, pvUuid: randomUUID(), vgUuid: randomUUID(), vgName: name }));
    return ok();
  }

  private lvs(vgName: string): Answer {
    const vg = this.vg(vgName);
    if ('code' in vg) return vg;
    return ok(vg.label.lvs.map((lv) => `  ${lv.name}\n`).join(''));
  }

  private lvchange(on: boolean, target: string): Answer {
    const [vgName, lvName] = target.split('/');
    const vg = this.vg(vgName as string);
    if ('code' in vg) return vg;
    if (!vg.label.lvs.some((lv) => lv.name === lvName))
      return fail(5, `  Failed to find logical volume "${target}"\n`);
    const key = `${vg.device.naa}/${lvName}`;
    if (on) this.active.add(key);
    else this.active.delete(key);
    return ok();
  }

  private vgchangeOff(vgName: string): Answer {
    const vg = this.vg(vgName);
    if ('code' in vg) return vg;
    for (const lv of vg.label.lvs) this.active.delete(`${vg.device.naa}/${lv.name}`);
    return ok(`  0 logical volume(s) in volume group "${vgName}" now active\n`);
  }

  private vgremove(vgName: string): Answer {
    const vg = this.vg(vgName);
    if ('code' in vg) return vg;
    // -f removes the LVs without asking, deactivating them first.
    for (const lv of vg.label.lvs) this.active.delete(`${vg.device.naa}/${lv.name}`);
    vg.device.write(0, labelBytes(null));
    return ok(`  Volume group "${vgName}" successfully removed\n`);
  }

  /** An active LV's bytes `[from, to)` (clipped to the LV), or null when it cannot be opened. */
  private lvBytes(path: string, from: number, to: number): Buffer | null {
    const [, , vgName, lvName] = path.split('/');
    const vg = this.vg(vgName as string);
    const lv = 'code' in vg ? undefined : vg.label.lvs.find((candidate) => candidate.name === lvName);
    if ('code' in vg || !lv || !this.active.has(`${vg.device.naa}/${lv.name}`)) return null;
    const start = lv.offset + Math.min(from, lv.bytes);
    return Buffer.from(vg.device.read().subarray(start, lv.offset + Math.min(to, lv.bytes)));
  }

  private head(count: number, path: string): Answer {
    const bytes = this.lvBytes(path, 0, count);
    if (!bytes) return fail(1, `head: cannot open '${path}' for reading: No such file or directory\n`);
    return ok(bytes);
  }

  private dd(path: string, skip: number, count: number): Answer {
    const bytes = this.lvBytes(path, skip, skip + count);
    if (!bytes) return fail(1, `dd: failed to open '${path}': No such file or directory\n`);
    return ok(bytes);
  }
}
