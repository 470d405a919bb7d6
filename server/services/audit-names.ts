/**
 * Names for the objects of an audit entry that its mutation's result did not name: a refused
 * mutation has no result, and a four-eyes request returns the request, not what it is about. The
 * entry then names them as they were called when it was recorded (the audit trail reads names,
 * never ids alone), read from the stores by kind. An object the stores no longer have (a job
 * deleted meanwhile, an id that never existed) keeps its id alone: nothing is made up.
 */
import type { Stores } from '../../db/stores/ports';
import type { AuditObject } from '../engine/audit-chain';
import { describePoint } from '../engine/point-plan';

type NameReader = (stores: Stores, ids: string[]) => Promise<Map<string, string>>;

/** Reads one name per id, one at a time (mutations name a handful of objects). */
function oneByOne(read: (stores: Stores, id: string) => Promise<string | null | undefined>): NameReader {
  return async (stores, ids) => {
    const names = new Map<string, string>();
    for (const id of ids) {
      const name = await read(stores, id);
      if (name) names.set(id, name);
    }
    return names;
  };
}

const secretName = oneByOne(async (stores, id) => (await stores.secrets.get(id))?.name);

/** VMs the inventory has by name; VMs it lost by the name they had, marked gone. */
const vmNames: NameReader = async (stores, ids) => {
  const names = new Map(await stores.inventory.namesOfVms(ids));
  const missing = ids.filter((id) => !names.has(id));
  if (missing.length === 0) return names;
  for (const [id, name] of await stores.inventory.removedVmNames(missing)) names.set(id, `${name} (gone)`);
  return names;
};

/** By the kind auditObjectsOf gives (a router's object, or the `…Id` field an input names it by). */
const NAME_READERS: Record<string, NameReader> = {
  vm: vmNames,
  job: oneByOne(async (stores, id) => (await stores.jobs.get(id))?.name),
  operation: oneByOne(async (stores, id) => (await stores.operations.get(id))?.title),
  restorePoint: oneByOne(async (stores, id) => {
    const point = await stores.restorePoints.get(id);
    return point ? describePoint(point) : null;
  }),
  approval: oneByOne(async (stores, id) => (await stores.approvals.get(id))?.title),
  host: oneByOne(async (stores, id) => (await stores.inventory.getHost(id))?.host.name),
  hostVolume: oneByOne(async (stores, id) => {
    const detail = await stores.inventory.getHostVolume(id);
    return detail ? `${detail.volume.name} on ${detail.host.name}` : null;
  }),
  xapiPool: oneByOne(async (stores, id) => (await stores.xapiPools.get(id))?.name),
  hypervConnection: oneByOne(async (stores, id) => (await stores.hypervConnections.get(id))?.name),
  arrayConnection: oneByOne(async (stores, id) => (await stores.arrayConnections.get(id))?.name),
  secret: secretName,
  guestSecret: secretName,
  hostSshSecret: secretName,
  hostAccount: secretName,
  guestAccount: secretName,
};

/**
 * The objects with every unnamed one named, where the stores know it. A store that fails to answer
 * leaves its objects by id: naming must not keep a mutation that ran out of the audit trail.
 */
export async function nameAuditObjects(stores: Stores, objects: AuditObject[]): Promise<AuditObject[]> {
  const unnamed = new Map<string, string[]>();
  for (const object of objects) {
    if (object.name !== null || !(object.kind in NAME_READERS)) continue;
    const ids = unnamed.get(object.kind);
    if (ids) ids.push(object.id);
    else unnamed.set(object.kind, [object.id]);
  }
  if (unnamed.size === 0) return objects;
  const names = new Map<string, Map<string, string>>();
  for (const [kind, ids] of unnamed) {
    names.set(kind, await NAME_READERS[kind](stores, ids).catch(() => new Map<string, string>()));
  }
  return objects.map((object) =>
    object.name === null ? { ...object, name: names.get(object.kind)?.get(object.id) ?? null } : object,
  );
}
