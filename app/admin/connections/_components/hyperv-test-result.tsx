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
export function HypervTestView({ result }: { result: TestResult }) {
  if (!result.ok) return <TestResultAlert result={result} />;
  const isUsable = result.isElevated && result.hasHyperVModule;
  return (
    <TestResultAlert
      result={result}
      tone={isUsable ? 'success' : 'warning'}
      title={
        isUsable
          ? `Reachable and signed in: ${result.computerName} (Windows ${result.osVersion}), ${plural(result.vmCount, 'VM', 'VMs')}`
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

export function describeHypervSync(name: string, result: SyncResult): string {
  return result.ok
    ? `Synced ${name}: ${plural(result.vmCount, 'VM', 'VMs')} in the inventory`
    : `Sync of ${name} failed: ${result.message}`;
}
