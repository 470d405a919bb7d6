/** The header's search over the estate: one text, matched against names of every kind of object. */
import { z } from 'zod';

export const SEARCH_MIN_LENGTH = 2;
/** How many matches of each kind the search shows: a list is one click away for the rest. */
export const SEARCH_MATCHES_PER_KIND = 5;

export const estateSearchInput = z.object({
  text: z
    .string()
    .trim()
    .min(SEARCH_MIN_LENGTH, `Type at least ${SEARCH_MIN_LENGTH} characters to search`)
    .max(200, 'Search for at most 200 characters'),
});
export type EstateSearchInput = z.input<typeof estateSearchInput>;
export type EstateSearch = z.output<typeof estateSearchInput>;
