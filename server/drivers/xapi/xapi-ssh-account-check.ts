/**
 * "Test" for a pool's SSH accounts (the guest hook's and the host flush's): signs in with the
 * account the pool has now, where the hook or flush would, and runs only what reads — never a
 * freeze, a script or a `sync`:
 * - **guest**: the first running Linux guest the hook can reach (its `migawka-guest-ssh` address
 *   or the first address its metrics report), `cat /proc/mounts` (what a freeze would freeze) and,
 *   for an account other than root, `sudo -n true` (the hook runs `sudo -n fsfreeze`);
 * - **host**: dom0 of the pool master, `true` as root or `sudo -n true` (the flush runs `sync`).
 * Either can be pointed at a VM or a host chosen by name (the guest an operator cares about, a member
 * whose dom0 flushes an SR): a name the pool does not have, or a VM the hook cannot reach, says why.
 * Host keys are pinned on first use through the pool's pins, as the hook and flush do.
 */
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import { endpointOf, SshCommandRunner, type SshCredential } from '../ssh/ssh-connection';
import type { XapiClient } from './xapi-client';
import { xenId } from './xapi-discovery';
import { freezableMounts, type GuestTarget, type XenSshAccess } from './xapi-guest-hook';
import { guestLookup } from './xapi-guest-targets';
import { hostRecordSchema, poolRecordSchema, recordsOf, vmRecordSchema } from './xapi-records';

export type SshAccountKind = 'guest' | 'host';

/** What the test found: `ok` when the account signed in and may do what the hook or flush does. */
export interface SshAccountCheck {
  ok: boolean;
  /** Where it signed in ("guest of web01 (10.0.0.5)", "dom0 of xcp1 (192.0.2.10)"); null: nowhere. */
  target: string | null;
  message: string;
}

/** How many running VMs the guest test tries before it says none can be reached. */
const MAX_GUESTS_TRIED = 20;

const missing = (what: string) => new DriverError('connector-missing', what, { isRetryable: false });

/** The first running guest the hook can reach, or why none: each VM's reason, the first few. */
async function firstReachableGuest(
  client: XapiClient,
  poolLabel: string,
  options: CallOptions,
): Promise<GuestTarget> {
  const vms = Object.values(
    await client.call('VM.get_all_records', [], recordsOf(vmRecordSchema), options),
  ).filter(
    (vm) => !vm.is_a_snapshot && !vm.is_a_template && !vm.is_control_domain && vm.power_state === 'Running',
  );
  vms.sort((a, b) => a.name_label.localeCompare(b.name_label));
  const reasons: string[] = [];
  for (const vm of vms.slice(0, MAX_GUESTS_TRIED)) {
    const lookup = await guestLookup(client, xenId(vm.uuid), options);
    if ('target' in lookup) return lookup.target;
    reasons.push(lookup.missing);
  }
  throw missing(
    vms.length === 0
      ? `${poolLabel} has no running VM to test the guest account on`
      : `no running guest of ${poolLabel} can be reached by the guest hook: ${reasons.slice(0, 3).join('; ')}`,
  );
}

/** The VM of that name, if the hook can reach its guest now; else why not. */
async function namedGuest(
  client: XapiClient,
  poolLabel: string,
  name: string,
  options: CallOptions,
): Promise<GuestTarget> {
  const vm = Object.values(
    await client.call('VM.get_all_records', [], recordsOf(vmRecordSchema), options),
  ).find(
    (candidate) => !candidate.is_a_snapshot && !candidate.is_a_template && candidate.name_label === name,
  );
  if (!vm) throw new DriverError('not-found', `${poolLabel} has no VM named ${name}`, { isRetryable: false });
  if (vm.power_state !== 'Running') {
    throw new DriverError(
      'invalid-state',
      `${name} is ${vm.power_state.toLowerCase()}: the guest hook reaches running guests only`,
      { isRetryable: false },
    );
  }
  const lookup = await guestLookup(client, xenId(vm.uuid), options);
  if ('target' in lookup) return lookup.target;
  throw missing(lookup.missing);
}

/** dom0 of the host of that name, or of the pool master when no name is given. */
async function hostDom0(client: XapiClient, poolLabel: string, name: string | null, options: CallOptions) {
  if (!name) return masterDom0(client, options);
  const host = Object.values(
    await client.call('host.get_all_records', [], recordsOf(hostRecordSchema), options),
  ).find((candidate) => candidate.name_label === name);
  if (!host)
    throw new DriverError('not-found', `${poolLabel} has no host named ${name}`, { isRetryable: false });
  return { name: host.name_label, address: host.address.replace(/:\d+$/, '') };
}

async function masterDom0(client: XapiClient, options: CallOptions) {
  const [pool] = Object.values(
    await client.call('pool.get_all_records', [], recordsOf(poolRecordSchema), options),
  );
  if (!pool)
    throw new DriverError('invalid-state', 'the pool answered no pool record', { isRetryable: false });
  const host = await client.call('host.get_record', [pool.master], hostRecordSchema, options);
  return { name: host.name_label, address: host.address.replace(/:\d+$/, '') };
}

/**
 * Signs in and checks the account may act as root: `true` as root, else `sudo -n true` (the hook
 * and flush run `sudo -n` for any other account). Null when it may; else why not.
 */
async function rootRefusal(
  runner: SshCommandRunner,
  label: string,
  credential: SshCredential,
  options: CallOptions,
): Promise<string | null> {
  const isRoot = credential.username === 'root';
  const result = await runner.run(`${label} sign-in`, isRoot ? 'true' : 'sudo -n true', options);
  if (result.code === 0) return null;
  const why = result.stderr.trim() || `exit ${result.code}`;
  return isRoot
    ? `signed in as root, but true exited ${result.code} (${why})`
    : `signed in as ${credential.username}, but sudo -n refused (${why}): the account must be root or have password-less sudo`;
}

/**
 * Signs in with the pool's current account of that kind and reports what it may do. An account
 * that is not set, a guest that cannot be reached or a refused login throws the driver's error.
 */
export async function checkSshAccount(
  client: XapiClient,
  access: XenSshAccess,
  kind: SshAccountKind,
  poolLabel: string,
  options: CallOptions,
  /** The VM (guest account) or host (host account) to test on, by name; null: the first reachable guest, the master. */
  targetName: string | null = null,
): Promise<SshAccountCheck> {
  const credential = kind === 'guest' ? await access.guestCredential() : await access.hostCredential();
  if (!credential) throw missing(`${poolLabel} has no ${kind === 'guest' ? 'guest' : 'host'} SSH account`);
  const where =
    kind === 'guest'
      ? await (targetName
          ? namedGuest(client, poolLabel, targetName, options)
          : firstReachableGuest(client, poolLabel, options)
        ).then((guest) => ({
          host: guest.host,
          port: guest.port,
          name: `guest of ${guest.vmName}`,
        }))
      : await hostDom0(client, poolLabel, targetName, options).then((dom0) => ({
          host: dom0.address,
          port: access.hostPort ?? 22,
          name: `dom0 of ${dom0.name}`,
        }));
  const target = `${where.name} (${endpointOf(where.host, where.port)})`;
  const runner = new SshCommandRunner(async () => ({
    label: target,
    host: where.host,
    port: where.port,
    credential,
    hostKeys: access.hostKeys,
  }));
  try {
    const refused = await rootRefusal(runner, target, credential, options);
    if (refused) return { ok: false, target, message: `${target}: ${refused}` };
    if (kind === 'host') {
      return {
        ok: true,
        target,
        message: `Signed in to ${target} as ${credential.username}: it can run sync`,
      };
    }
    const mounts = freezableMounts(
      (await runner.run(`${target} mounts`, 'cat /proc/mounts', options)).stdout,
    );
    if (mounts.length === 0) {
      return {
        ok: false,
        target,
        message: `Signed in to ${target} as ${credential.username}, but it has no file system fsfreeze can freeze`,
      };
    }
    return {
      ok: true,
      target,
      message: `Signed in to ${target} as ${credential.username}: a freeze would freeze ${mounts.join(', ')}`,
    };
  } finally {
    await runner.close();
  }
}
