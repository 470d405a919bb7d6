/**
 * Columns an upsert (a merge import, a restored VM) leaves as stored, in both dialects: `goneSince`
 * is what syncs record about a VM (markGoneVms sets it, and clears it when a sync sees the VM
 * again); a write that does not know it (an inventory file has no such field) must not clear it.
 */
export const KEPT_ON_UPSERT: ReadonlySet<string> = new Set(['goneSince']);
