/** A pool's hosts or VMs by name on PostgreSQL: the SSH account test's picker. */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { hosts, vms } from '../../pg/schema';
import type { PoolMember, PoolMemberList, PoolMemberQuery } from '../ports/inventory';
import { likeContains } from './keyset';

/** `limit + 1` rows: the extra one only says more matched. */
export async function listPoolMembers(db: PgDb, query: PoolMemberQuery): Promise<PoolMemberList> {
  if (query.hostIds.length === 0) return { items: [], hasMore: false };
  const hostIds = [...query.hostIds];
  const rows: PoolMember[] =
    query.kind === 'host'
      ? (
          await db
            .select({ id: hosts.id, name: hosts.name })
            .from(hosts)
            .where(
              and(
                inArray(hosts.id, hostIds),
                query.search ? likeContains(hosts.name, query.search) : undefined,
              ),
            )
            .orderBy(asc(hosts.name), asc(hosts.id))
            .limit(query.limit + 1)
        ).map((host) => ({
          ...host,
          hostName: host.name,
          powerState: null,
          powerStateUnknown: null,
          osFamily: null,
        }))
      : await db
          .select({
            id: vms.id,
            name: vms.name,
            hostName: hosts.name,
            powerState: vms.powerState,
            powerStateUnknown: vms.powerStateUnknown,
            osFamily: vms.osFamily,
          })
          .from(vms)
          .innerJoin(hosts, eq(hosts.id, vms.hostId))
          .where(
            and(
              inArray(vms.hostId, hostIds),
              // A VM the pool no longer lists cannot be signed in to.
              isNull(vms.goneSince),
              query.search ? likeContains(vms.name, query.search) : undefined,
            ),
          )
          .orderBy(asc(vms.name), asc(vms.id))
          .limit(query.limit + 1);
  return { items: rows.slice(0, query.limit), hasMore: rows.length > query.limit };
}
