import { z } from 'zod';
import { importInventoryOffLoop } from '../../services/import/import-thread';
import { IMPORT_MODES } from '../../services/import-service';
import { publicProcedure, router } from '../init';

/**
 * The file travels as text: the import service parses and validates it, so a malformed file is
 * reported with the path of every bad field (INVALID_INPUT → BAD_REQUEST) and nothing is written.
 */
export const importInventoryInput = z.object({
  content: z.string().min(1, 'The inventory file is empty'),
  mode: z.enum(IMPORT_MODES),
});

export const inventoryRouter = router({
  import: publicProcedure
    .input(importInventoryInput)
    .mutation(({ ctx, input }) => importInventoryOffLoop(ctx, input.content, input.mode)),
});
