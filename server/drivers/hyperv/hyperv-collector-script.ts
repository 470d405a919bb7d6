/**
 * Builds `collectors/Collect-MigawkaInventory.ps1`: a self-contained script an admin runs on a
 * Hyper-V host the console cannot reach. It holds the connector's own discovery scripts verbatim
 * (each as a function taking the same `$P` parameters the connector sends), so what it collects is
 * what a sync would read. `npm run collector:build` writes the file; a test fails when a discovery
 * script changed and the committed collector was not rebuilt.
 */
import { HYPERV_COLLECTION_FORMAT, HYPERV_COLLECTION_VERSION } from './hyperv-collection';
import { beginMarker, endMarker, readScript, type ScriptName } from './hyperv-scripts';

export const COLLECTOR_FILE = 'collectors/Collect-MigawkaInventory.ps1';

const EMBEDDED: { script: ScriptName; fn: string }[] = [
  { script: 'host-facts', fn: 'Read-MigawkaHostFacts' },
  { script: 'list-vms', fn: 'Read-MigawkaVms' },
  { script: 'guest-facts', fn: 'Read-MigawkaGuestFacts' },
  { script: 'cluster-facts', fn: 'Read-MigawkaClusterFacts' },
];

const HEAD = `<#
.SYNOPSIS
  Collects one Hyper-V host's facts for Migawka, for a host the console cannot reach.

.DESCRIPTION
  Run it on the host, in an elevated Windows PowerShell 5.1 (an Administrator or a member of
  Hyper-V Administrators). It reads the host, its VMs and, with -GuestCredential, each running
  guest through PowerShell Direct, and writes one JSON document that \`migawka check\` and the
  console's import page read. A guest it cannot read is recorded as unknown with the reason. On a
  failover cluster node it also records the cluster (nodes, Cluster Shared Volumes, clustered VM
  roles); run it on each node: one document holds one node's VMs. Nothing on the host is changed.

  Generated from the Migawka repository's server/drivers/hyperv/scripts/*.ps1 by
  \`npm run collector:build\`: do not edit by hand.

.EXAMPLE
  .\\Collect-MigawkaInventory.ps1 -OutFile hv01.json -GuestCredential (Get-Credential)
#>
[CmdletBinding()]
param(
  [string] $OutFile = 'inventory.json',
  [System.Management.Automation.PSCredential] $GuestCredential
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
`;

const MAIN = `
$hostFacts = Read-MigawkaHostFacts -P $null
$vms = @()
$guests = @()
$cluster = $null
if ($hostFacts.IsElevated -and $hostFacts.HasHyperVModule) {
  $cluster = Read-MigawkaClusterFacts -P $null
  $vms = @(Read-MigawkaVms -P $null)
  foreach ($vm in $vms) {
    $vmId = "$($vm.Id)"
    if (-not $GuestCredential) {
      $guests += [pscustomobject]@{ vmId = $vmId; unknown = 'no guest credential was given to the collector' }
    } elseif ([int]$vm.State -ne 2) {
      $guests += [pscustomobject]@{ vmId = $vmId; unknown = "$($vm.Name) is not running" }
    } else {
      try {
        $P = [pscustomobject]@{
          vmId = $vmId
          user = $GuestCredential.UserName
          password = $GuestCredential.GetNetworkCredential().Password
        }
        $facts = Read-MigawkaGuestFacts -P $P
        $guests += [pscustomobject]@{ vmId = $vmId; facts = $facts }
      } catch {
        $guests += [pscustomobject]@{ vmId = $vmId; unknown = "PowerShell Direct to $($vm.Name): $($_.Exception.Message)" }
      } finally {
        $P = $null
      }
    }
  }
}
$document = [pscustomobject]@{
  format = '${HYPERV_COLLECTION_FORMAT}'
  version = ${HYPERV_COLLECTION_VERSION}
  collectedAt = (Get-Date).ToUniversalTime().ToString('o')
  host = $hostFacts
  vms = $vms
  guests = $guests
  cluster = $cluster
}
# Windows PowerShell 5.1 writes UTF-8 with a byte-order mark here; the import reads it (and UTF-16).
ConvertTo-Json -InputObject $document -Depth 10 | Out-File -FilePath $OutFile -Encoding utf8
$unknown = @($guests | Where-Object { $_.unknown }).Count
Write-Host "Wrote $($OutFile): host $($hostFacts.ComputerName), $($vms.Count) VM(s), $unknown guest(s) not read."
if ($cluster -and $cluster.ClusterName) {
  Write-Host "$($hostFacts.ComputerName) is a node of cluster $($cluster.ClusterName): run the collector on each other node too."
}
`;

/** The collector's full text (LF line ends; Windows PowerShell reads them as well as CRLF). */
export function buildCollectorScript(): string {
  const functions = EMBEDDED.map(({ script, fn }) =>
    [`function ${fn} {`, '  param($P)', beginMarker(script), readScript(script), endMarker(script), '}'].join(
      '\n',
    ),
  );
  return `${HEAD}\n${functions.join('\n\n')}\n${MAIN}`;
}
