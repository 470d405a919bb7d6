/** DriverLookupStore on PostgreSQL: one indexed query per lookup. */
import { asc, eq, inArray } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { arrayVolumes, hosts, hostVolumes, storageArrays, virtualDisks, vms } from '../../pg/schema';
import type { DriverLookupStore } from '../ports/driver-lookup';

/** node-postgres binds at most 65,535 parameters per statement. */
const MAX_IDS_PER_QUERY = 10_000;

export function createPgDriverLookup(db: PgDb): DriverLookupStore {
  const managedHost = { id: hosts.id, name: hosts.name, connector: hosts.connector };
  const managedArray = { id: storageArrays.id, name: storageArrays.name, connector: storageArrays.connector };
  const first = <T>(rows: T[]): T | null => rows[0] ?? null;
  return {
    async host(hostId) {
      return first(await db.select(managedHost).from(hosts).where(eq(hosts.id, hostId)));
    },
    async hostOfVm(vmId) {
      return first(
        await db
          .select(managedHost)
          .from(vms)
          .innerJoin(hosts, eq(hosts.id, vms.hostId))
          .where(eq(vms.id, vmId)),
      );
    },
    async hostOfHostVolume(hostVolumeId) {
      return first(
        await db
          .select(managedHost)
          .from(hostVolumes)
          .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
          .where(eq(hostVolumes.id, hostVolumeId)),
      );
    },
    async array(arrayId) {
      return first(await db.select(managedArray).from(storageArrays).where(eq(storageArrays.id, arrayId)));
    },
    async arrayOfArrayVolume(arrayVolumeId) {
      return first(
        await db
          .select(managedArray)
          .from(arrayVolumes)
          .innerJoin(storageArrays, eq(storageArrays.id, arrayVolumes.arrayId))
          .where(eq(arrayVolumes.id, arrayVolumeId)),
      );
    },
    async vm(vmId) {
      return first(
        await db
          .select({ id: vms.id, name: vms.name, powerState: vms.powerState })
          .from(vms)
          .where(eq(vms.id, vmId)),
      );
    },
    async disksOfVm(vmId) {
      return db.select().from(virtualDisks).where(eq(virtualDisks.vmId, vmId)).orderBy(asc(virtualDisks.id));
    },
    async disks(diskIds) {
      const unique = [...new Set(diskIds)];
      const found = [];
      for (let start = 0; start < unique.length; start += MAX_IDS_PER_QUERY) {
        const ids = unique.slice(start, start + MAX_IDS_PER_QUERY);
        found.push(...(await db.select().from(virtualDisks).where(inArray(virtualDisks.id, ids))));
      }
      return found;
    },
    async arrayVolumeOfHostVolume(hostVolumeId) {
      const row = first(
        await db
          .select({ arrayVolumeId: hostVolumes.arrayVolumeId })
          .from(hostVolumes)
          .where(eq(hostVolumes.id, hostVolumeId)),
      );
      return row?.arrayVolumeId ?? null;
    },
  };
}
