/**
 * "Test connection" for a storage array, from the console: signs in with the vault account and
 * reads what the connector will need — an ONTAP cluster's name, release, SVMs and volumes; an
 * EqualLogic group's name and volumes — without writing anything to the inventory. The first
 * successful contact pins the certificate (or SSH host key), so the admin sees the fingerprint
 * next to the answer; a changed one is refused and waits for them. A failure is an answer, in
 * words (unreachable, login refused, certificate changed), never an exception with an id.
 */
import { z } from 'zod';
import type { Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import { EqlError } from '../drivers/equallogic/eql-client';
import { toDriverError } from '../drivers/ontap/ontap-errors';
import { clusterSchema, svmSchema } from '../drivers/ontap/ontap-records';
import { isDriverError } from '../engine/driver';
import { arrayConnectionIdInput } from '../schemas/array-connections';
import { connectionOrThrow } from './array-admin-service';
import { ontapClientFor } from './array-connection-service';
import { eqlClientFor } from './equallogic-connection-service';
import { DomainError } from './errors';
import { parseInput } from './parse-input';
import type { VaultKeySource } from './vault-key';

/** Only what the count needs, so a real cluster is asked for two fields per volume. */
const namedVolumeSchema = z.object({ uuid: z.string(), name: z.string() });

type CheckStores = Pick<Stores, 'arrayConnections' | 'secrets'>;

export type ArrayTestResult =
  | {
      ok: true;
      vendor: 'ontap';
      clusterName: string;
      /** e.g. "9.13.1" */
      version: string;
      svmCount: number;
      volumeCount: number;
    }
  | { ok: true; vendor: 'equallogic'; groupName: string; volumeCount: number }
  | { ok: false; fault: string; message: string };

/** The fault and its reason, always naming the array (a transport error names only the address). */
function failureOf(error: unknown, what: string): { fault: string; message: string } {
  const named = (message: string) => (message.includes(what) ? message : `${what}: ${message}`);
  if (error instanceof EqlError) return { fault: 'invalid-state', message: named(error.message) };
  const mapped = toDriverError(error, what);
  if (isDriverError(mapped)) return { fault: mapped.faultCode, message: named(mapped.message) };
  if (error instanceof DomainError) return { fault: error.code, message: named(error.message) };
  return { fault: 'internal', message: named((mapped as Error)?.message ?? String(mapped)) };
}

export async function testArrayConnection(
  stores: CheckStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions,
): Promise<ArrayTestResult> {
  const { id } = parseInput(arrayConnectionIdInput, raw);
  const connection = await connectionOrThrow(stores, id);
  if (connection.vendor === 'equallogic') {
    const client = eqlClientFor(stores, ctx, keys, connection);
    try {
      const params = await client.run('grpparams show', options);
      const volumes = await client.run('volume show', options);
      const named = params.map((line) => /^Name:\s*(.+)$/.exec(line.trim())?.[1]).find(Boolean);
      return {
        ok: true,
        vendor: 'equallogic',
        groupName: named ?? client.groupName ?? connection.name,
        volumeCount: volumes.filter((line) => line.trim() !== '').length,
      };
    } catch (error) {
      return { ok: false, ...failureOf(error, client.label) };
    } finally {
      await client.close();
    }
  }
  const client = ontapClientFor(stores, ctx, keys, connection);
  try {
    const cluster = await client.get('/api/cluster?fields=name,version', clusterSchema, options);
    const [svms, volumes] = await Promise.all([
      client.list('/api/svm/svms?fields=name,uuid,state', svmSchema, options),
      client.list('/api/storage/volumes?fields=uuid,name', namedVolumeSchema, options),
    ]);
    const { generation, major, minor } = cluster.version;
    return {
      ok: true,
      vendor: 'ontap',
      clusterName: cluster.name,
      version: `${generation}.${major}.${minor}`,
      svmCount: svms.length,
      volumeCount: volumes.length,
    };
  } catch (error) {
    return { ok: false, ...failureOf(error, client.label) };
  }
}
