import { importInventoryInput } from '../../schemas/inventory';
import { importInventoryOffLoop } from '../../services/import/import-thread';
import { publicProcedure, router } from '../init';

export const inventoryRouter = router({
  import: publicProcedure
    .input(importInventoryInput)
    .mutation(({ ctx, input }) => importInventoryOffLoop(ctx, input.content, input.mode)),
});
