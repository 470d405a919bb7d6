/**
 * A VHD LV (`VHD-<vdi uuid>`, LVHD's default) read out of an array snapshot's imported clone VG
 * (xapi-array-copy.ts) and decoded in this process (vhd-image.ts), not by dom0's tools: tapdisk and
 * vhd-util follow a differencing VHD's parent locator, which names the live VG's LV
 * (`/dev/VG_XenStorage-<sr uuid>/VHD-<parent>`), so on a clone they would read the live parent.
 * Here only the parent's uuid is taken from the child (its header name and locators) and resolved
 * in the imported VG: `VHD-<uuid>` (a hidden base or a snapshot's parent), or `LV-<uuid>` (a raw
 * parent); each is activated there. The bytes are ranges read with
 * `dd iflag=skip_bytes,count_bytes` (coreutils ≥ 8.16, as dom0 has), so a block no layer allocated
 * is never read over SSH.
 */
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import { VhdFormatError } from './vhd-format';
import { chainSize, openChain, type RangeSource, type VhdLayer } from './vhd-image';
import type { Dom0Shell } from './xapi-guest-hook';

/** Reads `length` bytes at `offset` of the device at `path` in dom0 (exactly: a short read is an error). */
export function dom0Range(shell: Dom0Shell, path: string): RangeSource {
  return {
    name: path,
    async read(offset, length, signal) {
      const command = `dd if=${path} iflag=skip_bytes,count_bytes bs=1M skip=${offset} count=${length} status=none`;
      const chunks: Uint8Array[] = [];
      for await (const chunk of await shell.stream(command, signal)) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      if (bytes.length !== length)
        throw new DriverError(
          'invalid-state',
          `${shell.label}: ${path} ended at ${offset + bytes.length}, before the ${length} bytes at ${offset} its VHD needs`,
          { isRetryable: false },
        );
      return bytes;
    },
  };
}

export interface VhdInClone {
  shell: Dom0Shell;
  /** The imported clone VG and the LVs it holds. */
  vg: string;
  lvs: Set<string>;
  /** Activates `<vg>/<lv>` (each once). */
  activate(lv: string): Promise<void>;
}

/** Opens the VHD chain of a VDI in the clone VG, checked against the size xapi records for it. */
export async function openVdiChain(
  clone: VhdInClone,
  vdiUuid: string,
  virtualSize: number,
  options: CallOptions,
): Promise<VhdLayer[]> {
  const { shell, vg } = clone;
  const lvPath = (lv: string) => `/dev/${vg}/${lv}`;
  const resolve = async (uuid: string, child: RangeSource) => {
    for (const [kind, lv] of [
      ['vhd', `VHD-${uuid}`],
      ['raw', `LV-${uuid}`],
    ] as const) {
      if (!clone.lvs.has(lv)) continue;
      await clone.activate(lv);
      return { kind, source: dom0Range(shell, lvPath(lv)) };
    }
    throw new DriverError(
      'not-found',
      `${shell.label}: ${child.name} is a differencing VHD whose parent (VDI ${uuid}) is not in the snapshot's clone ${vg}`,
      { isRetryable: false },
    );
  };
  try {
    const layers = await openChain(
      dom0Range(shell, lvPath(`VHD-${vdiUuid}`)),
      virtualSize,
      resolve,
      options.signal,
    );
    if (chainSize(layers) !== virtualSize)
      throw new VhdFormatError(
        `the VHD's size is ${chainSize(layers)} bytes, the VDI's virtual size ${virtualSize}`,
      );
    return layers;
  } catch (error) {
    if (!(error instanceof VhdFormatError)) throw error;
    throw new DriverError('invalid-state', `${shell.label}: disk ${vdiUuid} in ${vg}: ${error.message}`, {
      isRetryable: false,
    });
  }
}
