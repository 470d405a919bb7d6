/**
 * The fake cluster's REST routes: each turns a request into the documented answer (a collection,
 * a record, 202 + job, 201, or an error envelope thrown as FakeOntapFault). Asynchronous calls run
 * their effect inside a job (fake-ontap-model.ts), so a test sees them progress with the clock.
 */
import { randomUUID } from 'node:crypto';
import {
  type FakeConsistencyGroup,
  type FakeJob,
  FakeOntapFault,
  type FakeOntapModel,
  type FakeVolume,
} from './fake-ontap-model';

export interface Answer {
  status: number;
  body: unknown;
  location?: string;
}

type Body = Record<string, unknown>;

const notFound = () => new FakeOntapFault('4', `entry doesn't exist`, 404);

function collection(records: unknown[]): Answer {
  return { status: 200, body: { records, num_records: records.length, _links: { self: { href: '' } } } };
}

function jobAnswer(job: FakeJob, location?: string): Answer {
  const href = `/api/cluster/jobs/${job.uuid}`;
  return { status: 202, body: { job: { uuid: job.uuid, _links: { self: { href } } } }, location };
}

/** `a.b.c` from a dotted body key or a nested object (clients send both forms). */
function field(body: Body, dotted: string): unknown {
  if (dotted in body) return body[dotted];
  return dotted.split('.').reduce<unknown>((value, key) => (value as Body | undefined)?.[key], body);
}

function volumeRecord(model: FakeOntapModel, volume: FakeVolume) {
  const used = model.lunsOf(volume.name).reduce((sum, lun) => sum + lun.sizeBytes, 0);
  return {
    uuid: volume.uuid,
    name: volume.name,
    svm: { name: volume.svm, uuid: model.svms.get(volume.svm) ?? '' },
    type: volume.type,
    style: 'flexvol',
    state: 'online',
    space: {
      size: volume.sizeBytes,
      available: volume.sizeBytes - used,
      snapshot: { reserve_percent: volume.reservePercent },
    },
    snapshot_policy: { name: 'none' },
    clone: {
      is_flexclone: volume.parentVolume !== null,
      ...(volume.parentVolume
        ? { parent_volume: { name: volume.parentVolume }, parent_snapshot: { name: volume.parentSnapshot } }
        : {}),
    },
  };
}

function snapshotRecord(snapshot: { uuid: string; name: string; createTime?: string; comment?: string }) {
  return {
    uuid: snapshot.uuid,
    name: snapshot.name,
    create_time: snapshot.createTime,
    comment: snapshot.comment,
    state: 'valid',
  };
}

function byName<T extends { name: string }>(items: T[], url: URL): T[] {
  const name = url.searchParams.get('name');
  return name === null ? items : items.filter((item) => item.name === name);
}

function requireGroup(model: FakeOntapModel, uuid: string): FakeConsistencyGroup {
  const group = model.groups.get(uuid);
  if (!group) throw notFound();
  return group;
}

function volumeRoutes(model: FakeOntapModel, method: string, url: URL, body: Body, parts: string[]): Answer {
  if (parts.length === 0 && method === 'GET') {
    const svm = url.searchParams.get('svm.name');
    const volumes = byName([...model.volumes.values()], url).filter(
      (volume) => svm === null || volume.svm === svm,
    );
    return collection(volumes.map((volume) => volumeRecord(model, volume)));
  }
  if (parts.length === 0 && method === 'POST') {
    const name = String(field(body, 'name'));
    if (field(body, 'clone.is_flexclone') !== true)
      throw new FakeOntapFault('3', 'only FlexClone creation is faked');
    const job = model.startJob(`POST /api/storage/volumes`, () => {
      model.flexClone(
        String(field(body, 'svm.name')),
        name,
        String(field(body, 'clone.parent_volume.name')),
        String(field(body, 'clone.parent_snapshot.name')),
      );
    });
    return jobAnswer(job, `/api/storage/volumes/?name=${name}`);
  }
  const volume = model.requireVolume(parts[0]);
  if (parts.length === 1 && method === 'GET') return { status: 200, body: volumeRecord(model, volume) };
  if (parts.length === 1 && method === 'PATCH') {
    const snapshot =
      url.searchParams.get('restore_to.snapshot.name') ?? field(body, 'restore_to.snapshot.name');
    if (typeof snapshot !== 'string') throw new FakeOntapFault('2', 'only restore_to is faked');
    const job = model.startJob(`PATCH /api/storage/volumes/${volume.uuid}`, () =>
      model.revert(volume, snapshot),
    );
    return jobAnswer(job);
  }
  if (parts.length === 1 && method === 'DELETE') {
    return jobAnswer(
      model.startJob(`DELETE /api/storage/volumes/${volume.uuid}`, () => model.deleteVolume(volume)),
    );
  }
  if (parts[1] !== 'snapshots') throw notFound();
  if (parts.length === 2 && method === 'GET')
    return collection(byName(volume.snapshots, url).map(snapshotRecord));
  if (parts.length === 2 && method === 'POST') {
    const name = field(body, 'name');
    if (typeof name !== 'string') throw new FakeOntapFault('2', 'Missing value for required field "name"');
    const comment = typeof body.comment === 'string' ? body.comment : '';
    return jobAnswer(
      model.startJob(`POST /api/storage/volumes/${volume.uuid}/snapshots`, () =>
        model.takeSnapshot(volume, name, comment),
      ),
    );
  }
  if (parts.length === 3 && method === 'DELETE') {
    if (!volume.snapshots.some((snapshot) => snapshot.uuid === parts[2])) throw notFound();
    return jobAnswer(
      model.startJob(`DELETE snapshot ${parts[2]}`, () => model.deleteSnapshot(volume, parts[2])),
    );
  }
  throw notFound();
}

function groupRoutes(model: FakeOntapModel, method: string, url: URL, body: Body, parts: string[]): Answer {
  if (parts.length === 0 && method === 'GET') {
    return collection(
      byName([...model.groups.values()], url).map((group) => ({
        uuid: group.uuid,
        name: group.name,
        svm: { name: group.svm, uuid: model.svms.get(group.svm) ?? '' },
        volumes: group.volumes.map((name) => ({ name, uuid: model.volumeByName(name)?.uuid })),
      })),
    );
  }
  const group = requireGroup(model, parts[0]);
  if (parts[1] !== 'snapshots') throw notFound();
  if (parts.length === 2 && method === 'GET') {
    return collection(
      byName(group.snapshots, url).map((snapshot) => ({
        ...snapshotRecord(snapshot),
        state: snapshot.state,
      })),
    );
  }
  if (parts.length === 2 && method === 'POST') {
    const name = field(body, 'name');
    if (typeof name !== 'string') throw new FakeOntapFault('2', 'Missing value for required field "name"');
    const action = url.searchParams.get('action');
    const timeoutS = Number(url.searchParams.get('action_timeout') ?? 7);
    if (action === 'start' && (timeoutS < 5 || timeoutS > 120))
      throw new FakeOntapFault('2', 'action_timeout must be 5..120');
    const uuid = randomUUID();
    const job = model.startJob(`POST consistency-groups/${group.uuid}/snapshots`, () => {
      model.startCgSnapshot(group, name, action === 'start' ? timeoutS : 7, uuid);
      // A one-shot snapshot commits inside ONTAP's own fixed 7 s window.
      if (action !== 'start') model.commitCgSnapshot(group, uuid);
    });
    return jobAnswer(job, `/api/application/consistency-groups/${group.uuid}/snapshots/${uuid}`);
  }
  if (parts.length === 3 && method === 'PATCH' && url.searchParams.get('action') === 'commit') {
    // Checked when the request arrives: a commit after the fence is refused at once.
    model.commitCgSnapshot(group, parts[2]);
    return jobAnswer(model.startJob(`PATCH commit ${parts[2]}`, () => undefined));
  }
  if (parts.length === 3 && method === 'DELETE') {
    if (!group.snapshots.some((snapshot) => snapshot.uuid === parts[2])) throw notFound();
    return jobAnswer(
      model.startJob(`DELETE cg snapshot ${parts[2]}`, () => model.deleteCgSnapshot(group, parts[2])),
    );
  }
  throw notFound();
}

function sanRoutes(model: FakeOntapModel, method: string, url: URL, body: Body, parts: string[]): Answer {
  const [kind, ...rest] = parts;
  if (kind === 'igroups' && method === 'GET') {
    return collection(
      byName([...model.igroups.values()], url).map((group) => ({
        uuid: group.uuid,
        name: group.name,
        os_type: 'windows',
        protocol: 'iscsi',
        initiators: group.initiators.map((name) => ({ name })),
      })),
    );
  }
  if (kind !== 'lun-maps') throw notFound();
  if (method === 'GET') {
    return collection(
      model.lunMaps.map((map) => {
        const lun = model.luns.get(map.lunUuid);
        const group = model.igroups.get(map.igroupUuid);
        return {
          lun: { name: lun?.name, uuid: map.lunUuid },
          igroup: { name: group?.name, uuid: map.igroupUuid },
          logical_unit_number: map.lunNumber,
        };
      }),
    );
  }
  if (method === 'POST') {
    const lun = model.lunByName(String(field(body, 'lun.name')));
    const group = [...model.igroups.values()].find(
      (candidate) => candidate.name === field(body, 'igroup.name'),
    );
    if (!lun || !group) throw new FakeOntapFault('5374902', 'LUN or igroup does not exist', 404);
    if (model.lunMaps.some((map) => map.lunUuid === lun.uuid && map.igroupUuid === group.uuid)) {
      throw new FakeOntapFault('5374901', 'LUN already mapped to this group', 409);
    }
    const lunNumber =
      Math.max(
        -1,
        ...model.lunMaps.filter((map) => map.igroupUuid === group.uuid).map((map) => map.lunNumber),
      ) + 1;
    model.lunMaps.push({ lunUuid: lun.uuid, igroupUuid: group.uuid, lunNumber });
    return { status: 201, body: { num_records: 1, records: [{ logical_unit_number: lunNumber }] } };
  }
  if (method === 'DELETE' && rest.length === 2) {
    const before = model.lunMaps.length;
    model.lunMaps = model.lunMaps.filter((map) => !(map.lunUuid === rest[0] && map.igroupUuid === rest[1]));
    if (model.lunMaps.length === before) throw notFound();
    return { status: 200, body: {} };
  }
  throw notFound();
}

export function routeRequest(model: FakeOntapModel, method: string, url: URL, body: Body): Answer {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const tail = (count: number) => parts.slice(count);
  if (parts[0] !== 'api') throw notFound();
  const area = parts.slice(1, 3).join('/');
  if (area === 'cluster/jobs' && method === 'GET') {
    const job = model.jobs.get(parts[3] ?? '');
    if (!job) throw notFound();
    return {
      status: 200,
      body: {
        uuid: job.uuid,
        description: job.description,
        state: job.state,
        message: job.error?.message ?? (job.state === 'success' ? 'success' : ''),
        code: job.error ? Number(job.error.code) : 0,
        ...(job.error ? { error: { message: job.error.message, code: job.error.code } } : {}),
      },
    };
  }
  if (parts.length === 2 && parts[1] === 'cluster' && method === 'GET') {
    return { status: 200, body: { name: model.cluster.name, version: model.cluster.version } };
  }
  if (area === 'svm/svms' && method === 'GET') {
    return collection([...model.svms].map(([name, uuid]) => ({ name, uuid, state: 'running' })));
  }
  if (area === 'storage/volumes') return volumeRoutes(model, method, url, body, tail(3));
  if (area === 'storage/luns' && method === 'GET') {
    const volumeName = url.searchParams.get('location.volume.name');
    const luns = [...model.luns.values()].filter((lun) => volumeName === null || lun.volume === volumeName);
    return collection(
      luns.map((lun) => {
        const volume = model.volumeByName(lun.volume);
        return {
          uuid: lun.uuid,
          name: lun.name,
          serial_number: lun.serial,
          location: { volume: { name: lun.volume, uuid: volume?.uuid } },
          space: { size: lun.sizeBytes },
          os_type: 'windows_2008',
          ...(lun.state === null ? {} : { status: { state: lun.state } }),
          svm: { name: volume?.svm ?? '', uuid: model.svms.get(volume?.svm ?? '') ?? '' },
        };
      }),
    );
  }
  if (area === 'protocols/san') return sanRoutes(model, method, url, body, tail(3));
  if (area === 'application/consistency-groups') return groupRoutes(model, method, url, body, tail(3));
  throw notFound();
}
