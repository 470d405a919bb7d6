/** DriverLookupStore on SQLite: one indexed query per lookup. */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../client';
import { arrayVolumes, hosts, hostVolumes, storageArrays, virtualDisks, vms } from '../../schema';
import type { DriverLookupStore } from '../ports/driver-lookup';

/** SQLite's default bound-parameter limit is 32,766; a volume snapshot never names that many disks. */
const MAX_IDS_PER_QUERY = 10_000;

export function createSqliteDriverLookup(db: Db): DriverLookupStore {
  const managedHost = { id: hosts.id, name: hosts.name, connector: hosts.connector };
  const managedArray = { id: storageArrays.id, name: storageArrays.name, connector: storageArrays.connector };
  return {
    async host(hostId) {
      return db.select(managedHost).from(hosts).where(eq(hosts.id, hostId)).get() ?? null;
    },
    async hostOfVm(vmId) {
      return (
        db
          .select(managedHost)
          .from(vms)
          .innerJoin(hosts, eq(hosts.id, vms.hostId))
          .where(eq(vms.id, vmId))
          .get() ?? null
      );
    },
    async hostOfHostVolume(hostVolumeId) {
      return (
        db
          .select(managedHost)
          .from(hostVolumes)
          .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
          .where(eq(hostVolumes.id, hostVolumeId))
          .get() ?? null
      );
    },
    async array(arrayId) {
      return db.select(managedArray).from(storageArrays).where(eq(storageArrays.id, arrayId)).get() ?? null;
    },
    async arrayOfArrayVolume(arrayVolumeId) {
      return (
        db
          .select(managedArray)
          .from(arrayVolumes)
          .innerJoin(storageArrays, eq(storageArrays.id, arrayVolumes.arrayId))
          .where(eq(arrayVolumes.id, arrayVolumeId))
          .get() ?? null
      );
    },
    async vm(vmId) {
      return (
        db
          .select({ id: vms.id, name: vms.name, powerState: vms.powerState })
          .from(vms)
          .where(eq(vms.id, vmId))
          .get() ?? null
      );
    },
    async disksOfVm(vmId) {
      return db
        .select()
        .from(virtualDisks)
        .where(eq(virtualDisks.vmId, vmId))
        .orderBy(asc(virtualDisks.id))
        .all();
    },
    async disks(diskIds) {
      const unique = [...new Set(diskIds)];
      const found = [];
      for (let start = 0; start < unique.length; start += MAX_IDS_PER_QUERY) {
        const ids = unique.slice(start, start + MAX_IDS_PER_QUERY);
        found.push(...db.select().from(virtualDisks).where(inArray(virtualDisks.id, ids)).all());
      }
      return found;
    },
    async arrayVolumeOfHostVolume(hostVolumeId) {
      return (
        db
          .select({ arrayVolumeId: hostVolumes.arrayVolumeId })
          .from(hostVolumes)
          .where(eq(hostVolumes.id, hostVolumeId))
          .get()?.arrayVolumeId ?? null
      );
    },
  };
}
