/**
 * Plain references to inventory objects, as findings and options name them (the rules share one
 * frozen ref per object: see EstateCache.refs in context.ts), and how mount points compare.
 */
import type { ArrayVolume, GuestVolume, Host, HostVolume, StorageArray, VirtualDisk, Vm } from '../inventory';
import type { ObjectRef } from '../types';

export function vmRef(vm: Vm): ObjectRef {
  return { kind: 'vm', id: vm.id, name: vm.name };
}
export function hostRef(host: Host): ObjectRef {
  return { kind: 'host', id: host.id, name: host.name };
}
export function diskRef(disk: VirtualDisk): ObjectRef {
  return { kind: 'disk', id: disk.id, name: disk.name };
}
export function hostVolumeRef(volume: HostVolume): ObjectRef {
  return { kind: 'host-volume', id: volume.id, name: volume.name };
}
export function guestVolumeRef(volume: GuestVolume): ObjectRef {
  return { kind: 'guest-volume', id: volume.id, name: volume.mountPoint };
}
export function arrayRef(array: StorageArray): ObjectRef {
  return { kind: 'array', id: array.id, name: array.name };
}
export function arrayVolumeRef(volume: ArrayVolume): ObjectRef {
  return { kind: 'array-volume', id: volume.id, name: volume.name };
}

/** Mount points compare without case or trailing slash: "d:" is "D:", "D:\" is "D:". */
export function sameMountPoint(a: string, b: string): boolean {
  if (a === b) return true;
  const normalise = (m: string) =>
    m
      .trim()
      .replace(/[\\/]+$/, '')
      .toLowerCase() || '/';
  return normalise(a) === normalise(b);
}
