import { describe, expect, it, vi } from 'vitest';
import { labTestInventory } from './lab/lab-fixture';
import {
  type Connector,
  connectorLookupFromInventory,
  createDriverRegistry,
  type ManagedObject,
} from './registry';
import type { ArrayDriver, BackupRepository, HypervisorDriver } from './roles';
import { neverAnswering } from './test-doubles';

const call = { signal: new AbortController().signal, timeoutMs: 1000 };

/** A connector whose drivers record which host / array they were made for. */
function recordingConnector(name: string, roles: { hypervisor?: boolean; array?: boolean }) {
  const made: string[] = [];
  const connector: Connector = { name };
  if (roles.hypervisor) {
    connector.hypervisor = (host: ManagedObject) => {
      made.push(`hypervisor:${host.id}`);
      return { connector: name, getPowerState: async () => 'running' } as unknown as HypervisorDriver;
    };
  }
  if (roles.array) {
    connector.array = (array: ManagedObject) => {
      made.push(`array:${array.id}`);
      return { connector: name } as unknown as ArrayDriver;
    };
  }
  return { connector, made };
}

function registryFor(
  connectors: Connector[],
  patch: (inventory: ReturnType<typeof labTestInventory>) => void = () => {},
) {
  const inventory = labTestInventory();
  patch(inventory);
  const repository = neverAnswering<BackupRepository>('lab').driver;
  return createDriverRegistry({ lookup: connectorLookupFromInventory(inventory), connectors, repository });
}

describe('driver registry', () => {
  it('resolves each host and array to the connector the inventory names, one driver per object', async () => {
    const lab = recordingConnector('lab', { hypervisor: true, array: true });
    const xapi = recordingConnector('xapi', { hypervisor: true });
    const registry = registryFor([lab.connector, xapi.connector], (inventory) => {
      inventory.hosts[1] = { ...inventory.hosts[1], connector: 'xapi' }; // xs1
    });
    expect((await registry.hypervisorForVm('sql1')).connector).toBe('lab');
    expect((await registry.hypervisorForVm('web1')).connector).toBe('xapi');
    expect((await registry.hypervisorForHostVolume('xs1-sr')).connector).toBe('xapi');
    expect((await registry.hypervisorForHost('hv1')).connector).toBe('lab');
    expect((await registry.arrayForArrayVolume('lun1')).connector).toBe('lab');
    expect(await (await registry.hypervisorForVm('app1')).getPowerState('app1', call)).toBe('running');
    expect(lab.made).toEqual(['hypervisor:hv1', 'array:netapp']);
    expect(xapi.made).toEqual(['hypervisor:xs1']);
  });

  it('refuses a connector that is not installed with a non-retryable error naming the host', async () => {
    const registry = registryFor(
      [recordingConnector('lab', { hypervisor: true, array: true }).connector],
      (inventory) => {
        inventory.hosts[0] = { ...inventory.hosts[0], connector: 'hyperv' };
      },
    );
    await expect(registry.hypervisorForVm('sql1')).rejects.toMatchObject({
      faultCode: 'connector-missing',
      isRetryable: false,
      message: 'host hv1: connector "hyperv" is not installed (installed: lab)',
    });
  });

  it('refuses an array whose connector cannot manage arrays, naming the array', async () => {
    const registry = registryFor(
      [
        recordingConnector('lab', { hypervisor: true, array: true }).connector,
        recordingConnector('xapi', { hypervisor: true }).connector,
      ],
      (inventory) => {
        inventory.arrays[0] = { ...inventory.arrays[0], connector: 'xapi' };
      },
    );
    await expect(registry.arrayForArrayVolume('lun2')).rejects.toMatchObject({
      faultCode: 'connector-missing',
      isRetryable: false,
      message: 'array netapp: connector "xapi" cannot manage storage arrays',
    });
  });

  it('says when what a step names is not in the inventory', async () => {
    const registry = registryFor([recordingConnector('lab', { hypervisor: true, array: true }).connector]);
    await expect(registry.hypervisorForVm('gone')).rejects.toMatchObject({
      faultCode: 'not-found',
      message: 'VM gone is not in the inventory',
    });
  });

  it('hands out drivers and the repository under the call deadline', async () => {
    vi.useFakeTimers();
    try {
      const hung = neverAnswering<HypervisorDriver>('lab');
      const registry = registryFor([{ name: 'lab', hypervisor: () => hung.driver }]);
      const hypervisor = await registry.hypervisorForVm('sql1');
      const options = { signal: new AbortController().signal, timeoutMs: 30_000 };
      const power = expect(hypervisor.getPowerState('sql1', options)).rejects.toMatchObject({
        faultCode: 'timeout',
        message: 'lab hypervisor hv1 getPowerState did not answer within 30 s',
      });
      const capacity = expect(registry.repository().capacity(options)).rejects.toMatchObject({
        faultCode: 'timeout',
      });
      await vi.advanceTimersByTimeAsync(30_000);
      await power;
      await capacity;
    } finally {
      vi.useRealTimers();
    }
  });
});
