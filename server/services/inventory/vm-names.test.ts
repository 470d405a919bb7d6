/**
 * vms.names: the names of VMs a page knows by id only (a wizard opened by a link), in the order
 * asked, leaving out ids the inventory lacks; bad input is refused naming what is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../../db/stores/contract/dialects';
import { createServiceContext } from '../../context';
import { vmNamesInput } from '../../schemas/inventory-queries';
import { importInventory } from '../import-service';
import { namesOfVms } from './vms';

describe('vmNamesInput', () => {
  it.each([
    ['no id', { ids: [] }, 'Name at least one VM'],
    ['501 ids', { ids: Array.from({ length: 501 }, (_, i) => `vm-${i}`) }, 'Ask for at most 500 VMs at once'],
    ['an empty id', { ids: ['vm-web-01', '  '] }, 'Too small'],
  ])('refuses %s', (_, input, message) => {
    const parsed = vmNamesInput.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain(message);
  });
});

describe.each(await storeDialects('vmnames'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('namesOfVms', () => {
    let handle: DialectHandle;
    beforeAll(async () => {
      handle = await dialect.open();
      await importInventory(handle.stores, createServiceContext(), demoLabInventory(), 'replace');
    });
    afterAll(() => handle.close());

    it('names the VMs in the order asked and leaves out an id the inventory lacks', async () => {
      expect(await namesOfVms(handle.stores, ['vm-fs-01', 'vm-nowhere', 'vm-web-01'])).toEqual([
        { id: 'vm-fs-01', name: 'fs-01' },
        { id: 'vm-web-01', name: 'web-01' },
      ]);
    });
  });
});
