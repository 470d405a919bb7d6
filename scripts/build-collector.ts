/**
 * Writes collectors/Collect-MigawkaInventory.ps1 from the Hyper-V connector's discovery scripts
 * (`npm run collector:build`). Run it after changing host-facts, list-vms or guest-facts.ps1: a
 * test compares the committed collector with what this builds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCollectorScript, COLLECTOR_FILE } from '../server/drivers/hyperv/hyperv-collector-script';

const target = path.join(import.meta.dirname, '..', COLLECTOR_FILE);
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, buildCollectorScript());
console.log(`wrote ${COLLECTOR_FILE}`);
