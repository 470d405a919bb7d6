/**
 * The inventory import format (docs/inventory-format.md): a zod schema of the engine's
 * Inventory plus `formatVersion`, and the referential checks a schema alone cannot express.
 *
 * `parseInventory` reports every problem at once, each with the exact path of the bad field
 * ("vms[3].hostId"), so an operator can fix a file in one pass. Shape errors and reference
 * errors are collected together: reference checks read the raw input defensively instead of
 * waiting for the shape to be valid.
 */
import { z } from 'zod';
import type { FieldError } from '../engine/errors';
import {
  APPLICATIONS,
  ARRAY_VENDORS,
  DEFAULT_CONNECTOR,
  DISK_KINDS,
  DISK_STORAGE_FORMATS,
  FILE_SYSTEMS,
  GUEST_DISK_TYPES,
  HOST_VOLUME_KINDS,
  HYPERVISOR_KINDS,
  INTEGRATION_SERVICE_STATES,
  type Inventory,
  OS_FAMILIES,
  POWER_STATES,
} from '../engine/inventory';
import { checkReferences } from './inventory-references';

export const INVENTORY_FORMAT_VERSION = 1;

const id = z.string().trim().min(1, 'must be a non-empty id').max(200, 'must be at most 200 characters');
const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const bytes = z.int('must be a whole number of bytes').nonnegative('must not be negative');
const reference = id.nullable().default(null);
/** The connector managing a host or array (docs/drivers.md); the embedded lab unless named. */
const connector = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a connector name: lower-case letters, digits and dashes')
  .default(DEFAULT_CONNECTOR);

export const hostInput = z.strictObject({
  id,
  name,
  kind: z.enum(HYPERVISOR_KINDS),
  version: z.string().trim().min(1, 'must not be empty'),
  pool: z.string().trim().min(1).nullable().default(null),
  hasVssAwareProduct: z.boolean(),
  offersQuiescedSnapshots: z.boolean().default(false),
  connector,
});

/** A block device's SCSI identity (NAA id in any host's spelling); links host volumes to LUNs. */
const deviceIdentity = z.string().trim().min(1).max(200).nullable().optional();

export const hostVolumeInput = z.strictObject({
  id,
  hostId: id,
  name,
  kind: z.enum(HOST_VOLUME_KINDS).default('volume'),
  // null: not read (engine/inventory.ts); a size left out is still an error, not an unknown.
  sizeBytes: bytes.nullable(),
  freeBytes: bytes.nullable(),
  vssEnabled: z.boolean(),
  shadowStorageVolumeId: reference,
  shadowStorageLimitBytes: bytes.nullable().default(null),
  arrayVolumeId: reference,
  deviceId: deviceIdentity,
  storageType: z.string().trim().min(1).max(100).nullable().optional(),
  isShared: z.boolean().nullable().optional(),
  canSnapshot: z.boolean().nullable().optional(),
});

export const vmInput = z.strictObject({
  id,
  name,
  hostId: id,
  osFamily: z.enum(OS_FAMILIES),
  powerState: z.enum(POWER_STATES),
  applications: z.array(z.enum(APPLICATIONS)).default([]),
  backupIntegrationService: z.enum(INTEGRATION_SERVICE_STATES).nullable().default(null),
  hasXenVssProvider: z.boolean().default(false),
  snapshotLocationVolumeId: reference,
  hasFreezeScripts: z.boolean().default(false),
  dailyChangeBytes: bytes.default(0),
  tags: z.array(z.string().trim().min(1).max(100)).default([]),
  guestFactsUnknown: z.string().trim().min(1).max(500).nullable().optional(),
  powerStateUnknown: z.string().trim().min(1).max(500).nullable().optional(),
  suspendSrVolumeId: id.nullable().optional(),
  memoryBytes: bytes.nullable().optional(),
});

export const virtualDiskInput = z.strictObject({
  id,
  vmId: id,
  name,
  kind: z.enum(DISK_KINDS),
  sizeBytes: bytes.nullable(),
  hostVolumeId: reference,
  arrayVolumeId: reference,
  storageFormat: z.enum(DISK_STORAGE_FORMATS).nullable().optional(),
});

export const guestVolumeInput = z.strictObject({
  id,
  vmId: id,
  mountPoint: z.string().trim().min(1, 'must not be empty'),
  fileSystem: z.enum(FILE_SYSTEMS),
  diskType: z.enum(GUEST_DISK_TYPES).default('basic'),
  vssEnabled: z.boolean(),
  shadowStorageOn: z.string().trim().min(1).nullable().default(null),
  diskId: reference,
});

export const storageArrayInput = z.strictObject({
  id,
  name,
  vendor: z.enum(ARRAY_VENDORS),
  supportsSnapshots: z.boolean(),
  connector,
});

export const arrayVolumeInput = z.strictObject({
  id,
  arrayId: id,
  name,
  /** null: the array did not report whether the LUN can be snapshotted (ARRAY-SNAPSHOT-UNKNOWN). */
  supportsSnapshots: z.boolean().nullable(),
  consistencyGroupId: reference,
  naaId: deviceIdentity,
});

export const consistencyGroupInput = z.strictObject({
  id,
  arrayId: id,
  name,
});

export const inventoryFileInput = z.strictObject({
  formatVersion: z
    .literal(INVENTORY_FORMAT_VERSION, {
      error: `unsupported format version; this Migawka reads formatVersion ${INVENTORY_FORMAT_VERSION}`,
    })
    .default(INVENTORY_FORMAT_VERSION),
  hosts: z.array(hostInput).default([]),
  hostVolumes: z.array(hostVolumeInput).default([]),
  vms: z.array(vmInput).default([]),
  virtualDisks: z.array(virtualDiskInput).default([]),
  guestVolumes: z.array(guestVolumeInput).default([]),
  arrays: z.array(storageArrayInput).default([]),
  arrayVolumes: z.array(arrayVolumeInput).default([]),
  consistencyGroups: z.array(consistencyGroupInput).default([]),
});

export type InventoryFileInput = z.input<typeof inventoryFileInput>;
export type InventoryFile = z.output<typeof inventoryFileInput>;

// The schema and the engine's types must not drift: each must be assignable to the other.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesEngineTypes: Exactly<Omit<InventoryFile, 'formatVersion'>, Inventory> = true;
void schemaMatchesEngineTypes;

export type ParseInventoryResult =
  | { ok: true; inventory: Inventory }
  | { ok: false; fieldErrors: FieldError[] };

export interface ParseInventoryOptions {
  /**
   * Objects already stored (merge imports): references may point at them, and incoming objects
   * with the same id replace them.
   */
  existing?: Inventory;
}

/** Validates an import file; every problem is reported with its path, nothing is thrown. */
export function parseInventory(raw: unknown, options: ParseInventoryOptions = {}): ParseInventoryResult {
  const parsed = inventoryFileInput.safeParse(raw, {
    // zod's default for a missing field ("expected string, received undefined") reads like a type error.
    error: (issue) =>
      issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')
        ? 'is required'
        : undefined,
  });
  const shapeErrors = parsed.success ? [] : parsed.error.issues.map(toFieldError);
  const referenceErrors = checkReferences(raw, options.existing);
  const fieldErrors = dedupe([...shapeErrors, ...referenceErrors]);
  if (!parsed.success || fieldErrors.length > 0) {
    return { ok: false, fieldErrors: sortByPath(fieldErrors) };
  }
  const { formatVersion: _version, ...inventory } = parsed.data;
  return { ok: true, inventory };
}

/** `['vms', 3, 'hostId']` → `vms[3].hostId`; the document itself is `(root)`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

function toFieldError(issue: z.core.$ZodIssue): FieldError {
  if (issue.code === 'unrecognized_keys') {
    // zod reports unknown keys on the parent object; point at each key instead.
    const base = formatIssuePath(issue.path);
    const keys = issue.keys.map((key) => (base === '(root)' ? key : `${base}.${key}`));
    return { path: keys.join(', '), message: `unknown field${issue.keys.length > 1 ? 's' : ''}` };
  }
  return { path: formatIssuePath(issue.path), message: issue.message };
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortByPath(errors: FieldError[]): FieldError[] {
  const sections = Object.keys(inventoryFileInput.shape);
  const sectionOf = (path: string) => {
    const index = sections.indexOf(path.split(/[[.]/)[0]);
    return index === -1 ? -1 : index;
  };
  const indexOf = (path: string) => Number(/^\w+\[(\d+)\]/.exec(path)?.[1] ?? -1);
  return errors
    .map((error, order) => ({ error, order }))
    .sort(
      (a, b) =>
        sectionOf(a.error.path) - sectionOf(b.error.path) ||
        indexOf(a.error.path) - indexOf(b.error.path) ||
        a.order - b.order,
    )
    .map(({ error }) => error);
}

/**
 * JSON Schema of the import file (what a file may contain, so defaults make fields optional).
 * Written to docs/inventory.schema.json by scripts/export-inventory-schema.ts. It covers shape
 * only: references between objects are checked by `parseInventory`.
 */
export function inventoryJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(inventoryFileInput, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://github.com/migawka/migawka/docs/inventory.schema.json',
    title: 'Migawka inventory',
    description:
      'Hosts, host volumes / SRs, VMs, virtual disks, guest volumes, storage arrays, array volumes and consistency groups (docs/inventory-format.md).',
  };
}

/** How an import treats what is stored: replace it all, or merge by id. */
export const IMPORT_MODES = ['replace', 'merge'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/**
 * The file travels as text: the import service parses and validates it, so a malformed file is
 * reported with the path of every bad field (INVALID_INPUT → BAD_REQUEST) and nothing is written.
 */
const inventoryContent = z.string().min(1, 'The inventory file is empty');

/** What the operator typed to confirm a replace, and the preview it was typed for. */
export const replaceConfirmationInput = z.object({
  phrase: z.string().trim().min(1, 'Type the confirmation shown in the preview'),
  removalFingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'Preview the replace first'),
});

/** Merge is the default: it deletes nothing. A replace that removes anything needs `confirmation`. */
export const importInventoryInput = z.object({
  content: inventoryContent,
  mode: z.enum(IMPORT_MODES).default('merge'),
  confirmation: replaceConfirmationInput.optional(),
});
export type ImportInventoryInput = z.input<typeof importInventoryInput>;

export const previewReplaceInput = z.object({ content: inventoryContent });
