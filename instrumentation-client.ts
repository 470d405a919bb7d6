// Runs in the browser before the console's own code. Zod compiles object schemas with
// `new Function` when eval is allowed, and probes for that by trying it; under the pages' CSP
// (no 'unsafe-eval', proxy.ts) the probe is blocked and reported as a violation on every load.
// Jitless parsing never probes, so the only CSP reports left are real ones.
import { z } from 'zod';

z.config({ jitless: true });
