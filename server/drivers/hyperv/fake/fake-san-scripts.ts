/**
 * The fake host's answers to the scripts that touch its array LUNs (fake-san.ts): the volume flush
 * that writes a volume's files to its LUN, and the mount / dismount of an array snapshot's copy
 * the array mapped to the host. Errors are the ones those cmdlets and a script's `throw` raise.
 */
import { randomUUID } from 'node:crypto';
import type { ScriptName } from '../hyperv-scripts';
import type { FakeHypervModel } from './fake-hyperv-model';
import { FakePsError } from './fake-hyperv-model';
import { packVolume, unpackVolume } from './fake-san';
import { pipelineValue } from './ps-json';

type Params = Record<string, unknown>;
type Handler = (model: FakeHypervModel, params: Params) => unknown;

const sameId = (a: unknown, b: unknown) => String(a).toLowerCase() === String(b).toLowerCase();

/** `throw "…"` in a script: a RuntimeException whose FullyQualifiedErrorId is the message. */
const thrown = (message: string) => new FakePsError('RuntimeException', message, message, 'OperationStopped');

function sanDisks(model: FakeHypervModel) {
  return model.state.san?.disks() ?? [];
}

export const SAN_FAKE_SCRIPTS: Partial<Record<ScriptName, Handler>> = {
  'flush-volume': (model, params) => {
    model.state.log.push(`flush ${String(params.volume)}`);
    const volume = model.state.volumes.find((candidate) => sameId(candidate.deviceId, params.volume));
    const disk = sanDisks(model).find((candidate) => sameId(candidate.uniqueId, volume?.diskUniqueId));
    if (volume && disk) {
      const image = packVolume(model.localPath(volume.name));
      if (image.length > disk.read().length) {
        throw new FakePsError(
          'IOException',
          'There is not enough space on the disk.',
          'HRESULT 0x80070070,Microsoft.Management.Infrastructure.CimCmdlets',
          'NotSpecified',
          0x80070070 | 0,
        );
      }
      disk.write(image);
    }
    return true;
  },
  'mount-array-copy': (model, params) => {
    const vm = model.vmById(String(params.vmId));
    for (const lun of (params.luns ?? []) as { portal?: string; target?: string }[]) {
      if (!lun.target) continue;
      if (!model.state.san?.login) throw thrown(`No iSCSI target portal answers for ${lun.target}`);
      model.state.san.login(String(lun.portal), lun.target);
      model.state.log.push(`iscsi login ${lun.target}`);
    }
    const disks = sanDisks(model);
    const root = String(params.mountRoot);
    const folders = new Map<string, string>();
    for (const lun of (params.luns ?? []) as { source: string; copy: string }[]) {
      const source = model.state.volumes.filter((volume) => sameId(volume.diskUniqueId, lun.source));
      if (source.length === 0) continue;
      const index = disks.findIndex((disk) => sameId(disk.uniqueId, lun.copy));
      if (index < 0) {
        throw thrown(
          `No disk with UniqueId ${lun.copy} is visible: is the array snapshot's copy mapped to this host's initiators?`,
        );
      }
      for (const volume of source) {
        const folder = `${root}\\${10 + index}-2`;
        unpackVolume(disks[index].read(), model.localPath(folder));
        // Where the live volume is mounted: `D:` or a CSV's `C:\ClusterStorage\Volume1`.
        folders.set(volume.name.replace(/\\+$/, '').toUpperCase(), folder);
      }
    }
    model.state.log.push(`mount ${root} ${randomUUID().slice(0, 8)}`);
    return pipelineValue(
      vm.drives
        .filter((drive) => drive.diskNumber === null)
        .map((drive) => {
          const base = drive.basePath ?? drive.path;
          // The longest mount path the file's path starts with, as the script picks it.
          const mount = [...folders.keys()]
            .filter((candidate) => base.toUpperCase().startsWith(`${candidate}\\`))
            .sort((a, b) => b.length - a.length)[0];
          const onCopy = mount ? `${folders.get(mount)}\\${base.slice(mount.length + 1)}` : null;
          return {
            ControllerType: drive.controllerType,
            ControllerNumber: drive.controllerNumber,
            ControllerLocation: drive.controllerLocation,
            Path: base,
            CopyPath: onCopy,
            FileSize: onCopy && model.exists(onCopy) ? model.fileSize(onCopy) : null,
          };
        }),
    );
  },
  'dismount-array-copy': (model, params) => {
    model.removeFile(String(params.mountRoot));
    for (const target of (params.targets ?? []) as string[]) {
      model.state.san?.logout?.(target);
      model.state.log.push(`iscsi logout ${target}`);
    }
    model.state.log.push(`dismount ${String(params.mountRoot)}`);
    return true;
  },
};
