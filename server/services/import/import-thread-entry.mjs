// Entry of the inventory import's worker thread. A worker thread loads a real file, not a module
// of Next's server bundle, so this plain ESM file registers tsx (as bin/migawka.mjs does) and runs
// the TypeScript sources beside it as they are in the clone.
import { register } from 'tsx/esm/api';

register();
await import('./import-thread-worker.ts');
