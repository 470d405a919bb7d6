import { importInventoryInput } from '../../schemas/inventory';
import { runOrRequestApproval } from '../../services/approval-service';
import { importInventoryOffLoop } from '../../services/import/import-thread';
import { adminProcedure, router } from '../init';

export const inventoryRouter = router({
  import: adminProcedure.input(importInventoryInput).mutation(({ ctx, input }) => {
    const direct = () => importInventoryOffLoop(ctx, input.content, input.mode);
    // A merge deletes nothing; replacing the inventory deletes what the file lacks: four-eyes.
    return input.mode === 'replace'
      ? runOrRequestApproval(ctx, 'replace-inventory', { content: input.content }, direct)
      : direct();
  }),
});
