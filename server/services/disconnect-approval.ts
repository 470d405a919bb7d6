/**
 * The Connections page's disconnect (`hypervConnections.remove`, `xapiPools.remove`): at once when
 * four-eyes is off for `disconnect`, else a request a second admin approves (disconnect-action.ts).
 * The typed name is checked first either way, so a mistyped name is refused now, naming the field,
 * and no request is made of it.
 */
import { removeHypervConnectionInput } from '../schemas/hyperv-connections';
import { removeXapiPoolInput } from '../schemas/xapi-pools';
import { type ApprovalContext, type ApprovalRequested, runOrRequestApproval } from './approval-service';
import { type DisconnectConnector, disconnectNow } from './disconnect-action';
import { connectionOrThrow } from './hyperv-connection-service';
import { parseInput } from './parse-input';
import { assertTypedName, DISCONNECT_ACTION } from './typed-confirmation';
import { poolOrThrow } from './xapi-pool-service';

async function disconnectOrRequestApproval(
  env: ApprovalContext,
  connector: DisconnectConnector,
  input: { id: string; confirmation: string },
  name: string,
  what: string,
): Promise<{ name: string } | ApprovalRequested> {
  assertTypedName(input.confirmation, name, what, DISCONNECT_ACTION);
  const payload = { connector, id: input.id, confirmation: input.confirmation };
  return runOrRequestApproval(env, 'disconnect', payload, () =>
    disconnectNow(env.stores, env.service, connector, input),
  );
}

export async function disconnectHypervOrRequestApproval(
  env: ApprovalContext,
  raw: unknown,
): Promise<{ name: string } | ApprovalRequested> {
  const input = parseInput(removeHypervConnectionInput, raw);
  const connection = await connectionOrThrow(env.stores, input.id);
  return disconnectOrRequestApproval(env, 'hyperv', input, connection.name, "the connection's name");
}

export async function disconnectXapiPoolOrRequestApproval(
  env: ApprovalContext,
  raw: unknown,
): Promise<{ name: string } | ApprovalRequested> {
  const input = parseInput(removeXapiPoolInput, raw);
  const pool = await poolOrThrow(env.stores, input.id);
  return disconnectOrRequestApproval(env, 'xapi', input, pool.name, "the pool's name");
}
