import { importInventoryInput, previewReplaceInput } from '../../schemas/inventory';
import { runOrRequestApproval } from '../../services/approval-service';
import { importInventoryOffLoop, previewReplaceOffLoop } from '../../services/import/import-thread';
import { adminProcedure, router } from '../init';

export const inventoryRouter = router({
  /** What a replace with this file would remove, and the words that confirm it (nothing is written). */
  previewReplace: adminProcedure
    .input(previewReplaceInput)
    .mutation(({ ctx, input }) => previewReplaceOffLoop(ctx, input.content)),
  import: adminProcedure.input(importInventoryInput).mutation(({ ctx, input }) => {
    const options = input.confirmation ? { confirmation: input.confirmation } : {};
    const direct = () => importInventoryOffLoop(ctx, input.content, input.mode, options);
    // A merge deletes nothing; replacing the inventory deletes what the file lacks: four-eyes.
    return input.mode === 'replace'
      ? runOrRequestApproval(ctx, 'replace-inventory', { content: input.content, ...options }, direct)
      : direct();
  }),
});
