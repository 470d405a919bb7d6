'use client';

import type { RouterOutputs } from '@/app/_lib/trpc';
import { plural, TestResultAlert } from './connection-card';

type TestResult = RouterOutputs['hypervConnections']['test'];
type SyncResult = RouterOutputs['hypervConnections']['sync'];

/**
 * What a Hyper-V host test found, prerequisite by prerequisite (docs/connectors/hyperv.md): a host
 * reached whose account is not elevated or lacks the Hyper-V module is a warning, not a success,
 * and a guest PowerShell Direct could not reach is "unknown" with the reason.
 */
type NodeTest = NonNullable<Extract<TestResult, { ok: true }>['cluster']>['nodes'][number];

/** One cluster node's line: reached or why not, and what it lacks. */
function nodeLine(node: NodeTest): string {
  if (!node.isReachable)
    return `Node ${node.name} (${node.state}): not reached — ${node.reason ?? 'no reason given'}`;
  const lacks = [
    node.isElevated ? null : 'the account is not elevated there',
    node.hasHyperVModule ? null : 'the Hyper-V PowerShell module is missing',
  ].filter((lack): lack is string => lack !== null);
  return lacks.length === 0
    ? `Node ${node.name} (${node.state}): reached, account elevated, Hyper-V module installed, ${plural(node.vmCount ?? 0, 'VM', 'VMs')}`
    : `Node ${node.name} (${node.state}): reached, but ${lacks.join(' and ')}`;
}

const isNodeUsable = (node: NodeTest) =>
  node.isReachable && node.isElevated === true && node.hasHyperVModule === true;

export function HypervTestView({ result }: { result: TestResult }) {
  if (!result.ok) return <TestResultAlert result={result} />;
  // A cluster is usable when every node is: a node not reached or lacking a prerequisite is not read.
  const isUsable =
    result.isElevated && result.hasHyperVModule && (result.cluster?.nodes.every(isNodeUsable) ?? true);
  return (
    <TestResultAlert
      result={result}
      tone={isUsable ? 'success' : 'warning'}
      title={
        isUsable
          ? `Reachable and signed in: ${result.computerName} (Windows ${result.osVersion}), ${plural(result.vmCount, 'VM', 'VMs')}`
          : result.isElevated && result.hasHyperVModule
            ? `Reachable and signed in to ${result.computerName}, but not every node of cluster ${result.cluster?.name} can be synced`
            : `Reachable and signed in to ${result.computerName}, but it cannot be synced as it stands`
      }
      details={
        <ul className="list-disc pl-5">
          {result.hostKey ? <li>SSH host key: {result.hostKey}</li> : null}
          <li>
            {result.isElevated
              ? 'Account elevated (administrator or in Hyper-V Administrators): yes'
              : 'Account elevated: no — add the account to "Hyper-V Administrators" (or the local Administrators) on the host'}
          </li>
          <li>
            {result.hasHyperVModule
              ? 'Hyper-V PowerShell module: installed'
              : 'Hyper-V PowerShell module: missing — Install-WindowsFeature RSAT-Hyper-V-Tools on the host'}
          </li>
          {result.cluster ? (
            <li>
              Failover cluster {result.cluster.name}, {plural(result.cluster.nodes.length, 'node', 'nodes')}:
              <ul className="list-disc pl-5">
                {result.cluster.nodes.map((node) => (
                  <li key={node.name}>{nodeLine(node)}</li>
                ))}
              </ul>
            </li>
          ) : null}
          {result.guests.map((guest) => (
            <li key={guest.vmName}>
              PowerShell Direct to {guest.vmName}:{' '}
              {guest.powerShellDirect === 'works' ? 'works' : `unknown — ${guest.reason}`}
            </li>
          ))}
        </ul>
      }
    />
  );
}

/** What the last sync read and stored, and which guests stayed unknown (they are findings, not "OK"). */
export function HypervSyncView({ name, result }: { name: string; result: SyncResult }) {
  if (!result.ok) return null; // the card shows it as the last sync's error
  return (
    <div role="status" aria-label={`Last sync of ${name}`} className="mt-2 text-sm">
      <p>
        Synced {result.computerName}: {plural(result.vmCount, 'VM', 'VMs')} in the inventory,{' '}
        {result.vmCount - result.unknownGuests.length} of them read inside through PowerShell Direct.
      </p>
      {result.unknownGuests.length > 0 ? (
        <>
          <p>Not read inside (their guest facts stay unknown):</p>
          <ul className="list-disc pl-5">
            {result.unknownGuests.map((guest) => (
              <li key={guest.vmName}>
                {guest.vmName}: {guest.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {result.goneVms.length > 0 ? (
        <p>
          No longer on the host (marked gone, kept with their restore points and jobs):{' '}
          {result.goneVms.join(', ')}.
        </p>
      ) : null}
      {result.reappearedVms.length > 0 ? <p>Back on the host: {result.reappearedVms.join(', ')}.</p> : null}
    </div>
  );
}

/** What a sync left unread (guests, cluster nodes), in words; null when it read everything. */
export function unreadByHypervSync(result: Extract<SyncResult, { ok: true }>): string | null {
  const unreadNodes = (result.cluster?.nodes ?? []).filter((node) => !node.isRead).map((node) => node.name);
  const parts = [
    result.unknownGuests.length > 0 ? `${plural(result.unknownGuests.length, 'guest', 'guests')}` : null,
    unreadNodes.length > 0 ? `node${unreadNodes.length === 1 ? '' : 's'} ${unreadNodes.join(', ')}` : null,
  ].filter((part): part is string => part !== null);
  return parts.length === 0 ? null : `${parts.join(' and ')} not read`;
}

export function describeHypervSync(name: string, result: SyncResult): string {
  if (!result.ok) return `Sync of ${name} failed: ${result.message}`;
  const unread = unreadByHypervSync(result);
  return `Synced ${name}: ${plural(result.vmCount, 'VM', 'VMs')} in the inventory${unread ? `; ${unread}` : ''}`;
}
