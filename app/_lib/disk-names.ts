/**
 * How a restore point's disks are named wherever it is listed, as its details name them
 * (restore-point-service `diskNames`): by the name the inventory knows for the disk
 * ("fs-01 data (physical disk)"), by its id only for a disk the VM no longer has.
 */
export function diskNameLookup(disks: readonly { id: string; name: string }[] | undefined) {
  const names = new Map((disks ?? []).map((disk) => [disk.id, disk.name]));
  return (diskId: string): string => names.get(diskId) ?? diskId;
}
