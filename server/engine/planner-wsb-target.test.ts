/**
 * Windows Server Backup plans only where it has somewhere to write (Host.wsbTarget): the plan, the
 * recommendation, the readiness and a job's own choice of method agree, for a host whose connection
 * names a target, one that names none, and the file-backed lab, each with and without a VSS-aware
 * product on the host.
 */
import { describe, expect, it } from 'vitest';
import { planBackup } from './backup-plan';
import { evaluateInventory, evaluateVm } from './evaluate';
import { planFingerprint } from './fingerprint';
import { type Host, type Inventory, indexInventory } from './inventory';
import type { MethodOption } from './planner';
import {
  addVms,
  makeDisk,
  makeHost,
  makeHostVolume,
  makeInventory,
  makeVmOnVolume,
  makeXenEstate,
} from './test-fixtures';
import type { BackupMethod, Readiness } from './types';

const NO_TARGET =
  "The connection of host 'hv01' names no Windows Server Backup target, so wbadmin has nowhere to write: set one under Connections.";
const WSB_ONLY =
  "Host 'hv01' has no VSS-aware backup product (the Migawka agent), only Windows Server Backup: use it or install the agent.";

/** hv01 with volume D: and running Windows VMs app01 and app02 on it. */
function estate(host: Partial<Host>, vm: Parameters<typeof makeVmOnVolume>[0] = {}): Inventory {
  return addVms(
    makeInventory({ hosts: [makeHost(host)], hostVolumes: [makeHostVolume()] }),
    makeVmOnVolume({ name: 'app01', ...vm }),
    makeVmOnVolume({ name: 'app02' }),
  );
}

function optionOf(inventory: Inventory, method: BackupMethod, vmId = 'app01'): MethodOption {
  const option = evaluateVm(indexInventory(inventory), vmId).plan.options.find((o) => o.method === method);
  if (!option) throw new Error(`no ${method} option`);
  return option;
}

describe('wsb-volume follows the host’s WSB target', () => {
  it.each<{
    name: string;
    host: Partial<Host>;
    wsb: string[] | 'available';
    hypervVss: string[] | 'available';
    recommended: BackupMethod | null;
    readiness: Readiness;
  }>([
    {
      name: 'connection names a target, VSS-aware product: WSB is an alternative to Hyper-V VSS',
      host: { connector: 'hyperv', wsbTarget: 'named' },
      wsb: 'available',
      hypervVss: 'available',
      recommended: 'hyperv-vss',
      readiness: 'online-ready',
    },
    {
      name: 'connection names a target, WSB only: WSB is recommended',
      host: { connector: 'hyperv', wsbTarget: 'named', hasVssAwareProduct: false },
      wsb: 'available',
      hypervVss: [WSB_ONLY],
      recommended: 'wsb-volume',
      readiness: 'online-ready',
    },
    {
      name: 'connection names none, VSS-aware product: WSB says why, Hyper-V VSS is recommended',
      host: { connector: 'hyperv', wsbTarget: 'none' },
      wsb: [NO_TARGET],
      hypervVss: 'available',
      recommended: 'hyperv-vss',
      readiness: 'online-ready',
    },
    {
      name: 'connection names none, WSB only: no whole-VM method, the VM is blocked',
      host: { connector: 'hyperv', wsbTarget: 'none', hasVssAwareProduct: false },
      wsb: [NO_TARGET],
      hypervVss: [WSB_ONLY],
      recommended: null,
      readiness: 'blocked',
    },
    {
      name: 'no state given on a Hyper-V connector host: none is assumed, never a target',
      host: { connector: 'hyperv', hasVssAwareProduct: false },
      wsb: [NO_TARGET],
      hypervVss: [WSB_ONLY],
      recommended: null,
      readiness: 'blocked',
    },
    {
      name: 'the lab, WSB only: the lab writes WSB backups into its files, as it always did',
      host: { connector: 'lab', wsbTarget: 'lab', hasVssAwareProduct: false },
      wsb: 'available',
      hypervVss: [WSB_ONLY],
      recommended: 'wsb-volume',
      readiness: 'online-ready',
    },
    {
      name: 'the lab, VSS-aware product',
      host: { connector: 'lab', wsbTarget: 'lab' },
      wsb: 'available',
      hypervVss: 'available',
      recommended: 'hyperv-vss',
      readiness: 'online-ready',
    },
    {
      name: 'no state given on a lab host (an inventory file): the lab',
      host: { connector: 'lab', hasVssAwareProduct: false },
      wsb: 'available',
      hypervVss: [WSB_ONLY],
      recommended: 'wsb-volume',
      readiness: 'online-ready',
    },
  ])('$name', ({ host, wsb, hypervVss, recommended, readiness }) => {
    const inventory = estate(host);
    const assessment = evaluateVm(indexInventory(inventory), 'app01');
    const byMethod = (method: BackupMethod) => {
      const option = assessment.plan.options.find((o) => o.method === method);
      return option?.isAvailable ? 'available' : option?.unavailableReasons;
    };
    expect(byMethod('wsb-volume')).toEqual(wsb);
    expect(byMethod('hyperv-vss')).toEqual(hypervVss);
    expect(assessment.plan.recommended).toBe(recommended);
    expect(assessment.readiness).toBe(readiness);
    // The whole estate's evaluation (host by host, through the host's scope) says the same.
    const inEstate = evaluateInventory(inventory).find((a) => a.vmId === 'app01');
    expect(inEstate?.plan.recommended).toBe(recommended);
    expect(inEstate?.plan.options.find((o) => o.method === 'wsb-volume')?.isAvailable).toBe(
      wsb === 'available',
    );
  });

  it('puts the missing target first, before what else stops WSB, and shares the host-wide option', () => {
    const blocked = estate(
      { connector: 'hyperv', wsbTarget: 'none' },
      { name: 'app01', backupIntegrationService: 'missing' },
    );
    blocked.hostVolumes[0].vssEnabled = false;
    const reasons = optionOf(blocked, 'wsb-volume').unavailableReasons;
    expect(reasons[0]).toBe(NO_TARGET);
    expect(reasons.length).toBeGreaterThan(1);

    const passthroughOnly = estate({ connector: 'hyperv', wsbTarget: 'none' });
    passthroughOnly.virtualDisks = passthroughOnly.virtualDisks.map((disk) =>
      disk.vmId === 'app01' ? makeDisk({ ...disk, kind: 'passthrough', hostVolumeId: null }) : disk,
    );
    expect(optionOf(passthroughOnly, 'wsb-volume').unavailableReasons).toEqual([
      NO_TARGET,
      "VM 'app01' has no virtual disk on a host volume (every disk is pass-through).",
    ]);

    // Nothing else in the way: every VM of the host gets the same option, in its capture state.
    const plain = evaluateInventory(estate({ connector: 'hyperv', wsbTarget: 'none' }));
    const [first, second] = plain.map((a) => a.plan.options.find((o) => o.method === 'wsb-volume'));
    expect(first).toBe(second);
    const off = estate({ connector: 'hyperv', wsbTarget: 'none' }, { name: 'app01', powerState: 'off' });
    expect(optionOf(off, 'wsb-volume')).toMatchObject({ captureState: 'offline', isAvailable: false });
  });

  it('a XenServer host is told it needs Hyper-V, whatever its WSB state', () => {
    const option = optionOf(makeXenEstate({}, { wsbTarget: 'none' }), 'wsb-volume', 'xapp01');
    expect(option.unavailableReasons).toEqual([
      "Windows Server Backup needs a Hyper-V host; host 'xs01' runs XenServer.",
    ]);
  });

  it('a job that chooses WSB on a host without a target is blocked with the reason; the fingerprint holds the state', () => {
    const none = estate({ connector: 'hyperv', wsbTarget: 'none' });
    const named = estate({ connector: 'hyperv', wsbTarget: 'named' });
    const request = {
      scope: { kind: 'vms' as const, vmIds: ['app01'] },
      methodByVm: { app01: 'wsb-volume' as const },
      consistencyPolicy: 'fallback' as const,
      passthroughPolicy: 'skip' as const,
    };
    let n = 0;
    const context = { now: new Date('2026-12-05T01:00:00Z'), newId: () => `id-${++n}` };
    expect(planBackup(indexInventory(named), request, context).blockedReasons).toEqual([]);
    expect(planBackup(indexInventory(none), request, context).blockedReasons).toEqual([
      `Windows Server Backup cannot back up VM 'app01': ${NO_TARGET}`,
    ]);
    expect(planFingerprint(none)).not.toBe(planFingerprint(named));
  });
});
