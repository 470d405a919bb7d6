import { importInventoryInput } from '../../schemas/inventory';
import { importInventoryOffLoop } from '../../services/import/import-thread';
import { adminProcedure, router } from '../init';

export const inventoryRouter = router({
  import: adminProcedure
    .input(importInventoryInput)
    .mutation(({ ctx, input }) => importInventoryOffLoop(ctx, input.content, input.mode)),
});
