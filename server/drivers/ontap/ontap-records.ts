/**
 * The ONTAP REST shapes the connector reads (CONNECTORS.md §3.1–§3.3), validated with zod so a
 * release that changes a field fails loudly at the boundary instead of deep in an operation.
 * Only the fields the connector asks for (`fields=`) are declared; ONTAP adds `_links` everywhere.
 */
import { z } from 'zod';

const named = z.object({ name: z.string(), uuid: z.string() });

export const errorEnvelopeSchema = z.object({
  error: z.object({
    message: z.string(),
    // Documented as an integer, sent as a string of digits: accept both, keep a string.
    code: z.union([z.string(), z.number()]).transform(String),
    target: z.string().optional(),
  }),
});

export const jobLinkSchema = z.object({
  job: z.object({ uuid: z.string(), _links: z.object({ self: z.object({ href: z.string() }) }).optional() }),
});

export const JOB_STATES = ['queued', 'running', 'paused', 'success', 'failure'] as const;
export const jobSchema = z.object({
  uuid: z.string(),
  state: z.enum(JOB_STATES),
  message: z.string().default(''),
  code: z.union([z.string(), z.number()]).transform(Number).default(0),
  error: z
    .object({ message: z.string(), code: z.union([z.string(), z.number()]).transform(String) })
    .optional(),
  description: z.string().optional(),
});
export type OntapJob = z.infer<typeof jobSchema>;

/**
 * A collection page. ONTAP ends a page early when the call's `return_timeout` (15 s by default for
 * a collection) or `max_records` runs out, and links the rest as `_links.next`.
 */
export function collectionSchema<T extends z.ZodType>(record: T) {
  return z.object({
    records: z.array(record),
    num_records: z.number(),
    _links: z.object({ next: z.object({ href: z.string() }).optional() }).optional(),
  });
}

/** `GET /api/cluster`: the cluster's name and release (what "Test connection" reports). */
export const clusterSchema = z.object({
  name: z.string(),
  version: z.object({
    full: z.string().optional(),
    generation: z.number(),
    major: z.number(),
    minor: z.number(),
  }),
});
export type OntapCluster = z.infer<typeof clusterSchema>;

export const svmSchema = z.object({ name: z.string(), uuid: z.string(), state: z.string().optional() });
export type OntapSvm = z.infer<typeof svmSchema>;

export const volumeSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  svm: named,
  type: z.string().optional(),
  style: z.string().optional(),
  state: z.string(),
  space: z.object({
    size: z.number(),
    available: z.number(),
    snapshot: z.object({ reserve_percent: z.number() }).optional(),
  }),
  snapshot_policy: z.object({ name: z.string() }).optional(),
  clone: z
    .object({
      is_flexclone: z.boolean(),
      parent_volume: z.object({ name: z.string() }).optional(),
      parent_snapshot: z.object({ name: z.string() }).optional(),
    })
    .optional(),
});
export type OntapVolume = z.infer<typeof volumeSchema>;

export const snapshotSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  create_time: z.string().optional(),
  comment: z.string().optional(),
  state: z.string().optional(),
});
export type OntapSnapshot = z.infer<typeof snapshotSchema>;

export const lunSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  serial_number: z.string(),
  location: z.object({ volume: z.object({ name: z.string(), uuid: z.string().optional() }) }),
  space: z.object({ size: z.number() }),
  os_type: z.string().optional(),
  status: z.object({ state: z.string() }).optional(),
  svm: named.optional(),
});
export type OntapLun = z.infer<typeof lunSchema>;

export const igroupSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  os_type: z.string().optional(),
  protocol: z.string().optional(),
  initiators: z.array(z.object({ name: z.string() })).default([]),
});
export type OntapIgroup = z.infer<typeof igroupSchema>;

export const lunMapSchema = z.object({
  lun: named,
  igroup: named,
  logical_unit_number: z.number(),
});
export type OntapLunMap = z.infer<typeof lunMapSchema>;

export const consistencyGroupSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  svm: named.optional(),
  volumes: z.array(z.object({ name: z.string(), uuid: z.string().optional() })).default([]),
});
export type OntapConsistencyGroup = z.infer<typeof consistencyGroupSchema>;
