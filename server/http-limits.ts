/**
 * Limits shared by the server and the browser bundle (no imports: the console's tRPC client loads it).
 */

/**
 * Calls the console's batch link puts into one HTTP request. The server's batch cap
 * (MIGAWKA_MAX_BATCH_SIZE) may not be set below it, or the console's own pages would be refused.
 */
export const CONSOLE_BATCH_SIZE = 10;
