/**
 * Reading a VM's disks out of an ONTAP snapshot during a backup (CONNECTORS.md §4): a FlexClone of
 * the snapshot per volume, its LUNs mapped to the igroups the live LUNs are mapped to (so the host
 * that runs the VM sees the copy), and, after the host has read the VM's files, unmapped and
 * deleted. Each clone is named `mgw_copy_<exposure id>_<volume>`: a retried copy finds its clone,
 * and a cleanup that runs after a cancel or a killed worker finds it by that name, or by the
 * snapshot it was cloned from when the snapshot is released (ONTAP refuses to delete a snapshot a
 * FlexClone still depends on).
 */
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { ExposedLun, ExposeSnapshotRequest } from '../roles';
import type { OntapClient } from './ontap-client';
import { naaFromSerial } from './ontap-naa';
import type { OntapOperations } from './ontap-operations';
import { lunMapSchema, type OntapLun, type OntapVolume, volumeSchema } from './ontap-records';

/** ONTAP names: letters, digits, `_`, `-`, `.`; anything else from an id becomes `_`. */
export function ontapName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

const exposurePrefix = (exposureId: string) => `mgw_copy_${ontapName(exposureId)}_`;
export const exposureCloneName = (exposureId: string, volume: string) =>
  `${exposurePrefix(exposureId)}${volume}`;

interface ExposureContext {
  client: OntapClient;
  operations: OntapOperations;
}

/** Clones the snapshot's volumes that hold `luns` and maps each clone LUN where its source is mapped. */
export async function exposeSnapshot(
  { client, operations }: ExposureContext,
  request: ExposeSnapshotRequest,
  luns: { id: string; lun: OntapLun }[],
  options: CallOptions,
): Promise<ExposedLun[]> {
  const step = { ...options, stepKey: `expose:${request.exposureId}` };
  const maps = await client.list(
    '/api/protocols/san/lun-maps?fields=lun,igroup,logical_unit_number',
    lunMapSchema,
    options,
  );
  const exposed: ExposedLun[] = [];
  for (const volume of new Set(luns.map(({ lun }) => lun.location.volume.name))) {
    const inVolume = luns.filter(({ lun }) => lun.location.volume.name === volume);
    const svm = inVolume[0].lun.svm?.name ?? '';
    const igroups = new Set(
      maps
        .filter((map) => inVolume.some(({ lun }) => lun.uuid === map.lun.uuid))
        .map((map) => map.igroup.name),
    );
    if (igroups.size === 0) {
      throw new DriverError(
        'invalid-state',
        `${client.label}: ${inVolume[0].lun.name} is mapped to no igroup, so no host can read its snapshot`,
        { isRetryable: false },
      );
    }
    const cloneName = exposureCloneName(request.exposureId, volume);
    await operations.createClone(
      { svm, parentVolume: volume, snapshotName: ontapName(request.snapshotId), cloneName },
      step,
    );
    let mapped: Awaited<ReturnType<OntapOperations['mapClone']>> = [];
    for (const igroup of igroups) mapped = await operations.mapClone(svm, cloneName, igroup, step);
    for (const { id, lun } of inVolume) {
      const copy = mapped.find((candidate) => candidate.lunName === `/vol/${cloneName}/${lunBase(lun.name)}`);
      if (!copy) {
        throw new DriverError(
          'not-found',
          `${client.label}: the clone ${cloneName} holds no copy of ${lun.name}`,
          {
            isRetryable: false,
          },
        );
      }
      exposed.push({ arrayVolumeId: id, sourceNaaId: naaFromSerial(lun.serial_number), naaId: copy.naaId });
    }
  }
  return exposed;
}

const lunBase = (name: string) => name.split('/').at(-1) ?? name;

async function removeClones(
  { client, operations }: ExposureContext,
  chosen: (volume: OntapVolume) => boolean,
  stepKey: string,
  options: CallOptions,
): Promise<void> {
  const volumes = await client.list(
    '/api/storage/volumes?fields=uuid,name,svm,state,space,clone',
    volumeSchema,
    options,
  );
  for (const volume of volumes.filter((candidate) => candidate.clone?.is_flexclone && chosen(candidate))) {
    const step = { ...options, stepKey: `${stepKey}:${volume.name}` };
    await operations.unmapClone(volume.name, null, step);
    await operations.deleteClone(volume.svm.name, volume.name, step);
  }
}

/** Undo of exposeSnapshot: unmaps and deletes the exposure's clones; none left is fine. */
export function withdrawExposure(context: ExposureContext, exposureId: string, options: CallOptions) {
  const prefix = exposurePrefix(exposureId);
  return removeClones(context, (volume) => volume.name.startsWith(prefix), `withdraw:${exposureId}`, options);
}

/** Every copy clone still hanging on the snapshot (a killed worker's), before the snapshot goes. */
export function withdrawClonesOf(context: ExposureContext, snapshotId: string, options: CallOptions) {
  const name = ontapName(snapshotId);
  return removeClones(
    context,
    (volume) => volume.name.startsWith('mgw_copy_') && volume.clone?.parent_snapshot?.name === name,
    `withdraw:${snapshotId}`,
    options,
  );
}
