import { z } from 'zod';

/** One page of a connection's sync log (Hyper-V host or XenServer pool). */
export const connectionSyncsInput = z.object({
  connectionId: z.string().trim().min(1, 'Choose a connection'),
  limit: z.number().int().min(1).max(100).default(5),
  cursor: z.string().optional(),
});
export type ConnectionSyncsInput = z.input<typeof connectionSyncsInput>;
