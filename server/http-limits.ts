/**
 * Limits shared by the server and the browser bundle (no imports: the console's tRPC client loads it).
 */

/**
 * Calls the console's batch link puts into one HTTP request. The server's batch cap
 * (MIGAWKA_MAX_BATCH_SIZE) may not be set below it, or the console's own pages would be refused.
 */
export const CONSOLE_BATCH_SIZE = 10;

/**
 * The longest URL the console's client sends (app/_lib/trpc-links.ts): well under Node's 16 KiB
 * for a request's line and headers together, and under what common proxies accept (8 KiB).
 */
export const MAX_QUERY_URL_LENGTH = 6000;
