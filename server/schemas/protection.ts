/** The protection overview's list: a status, a name to search for, its cursor. */
import { z } from 'zod';
import { PROTECTION_STATUSES } from '../engine/protection';

export const protectionListQueryInput = z.object({
  status: z.enum(PROTECTION_STATUSES, { error: 'Choose a known protection status' }).optional(),
  search: z.string().trim().max(200).optional(),
  cursor: z.string().min(1).max(1000).optional(),
  limit: z.int().min(1).max(100).default(25),
});
export type ProtectionListQueryInput = z.input<typeof protectionListQueryInput>;
