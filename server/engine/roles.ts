/**
 * Who may do what: the four roles, their order, and the capabilities the console shows or hides.
 * Pure and shared: the server enforces these in its base procedures (server/trpc/init.ts), the
 * browser reads the same capabilities from `account.me` so it never shows a button the API would refuse.
 */
import type { RestoreMode } from './plan-types';

/** Ordered from least to most: each role may do everything the roles before it may. */
export const ROLES = ['viewer', 'operator', 'restore-operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  viewer: 'Viewer',
  operator: 'Operator',
  'restore-operator': 'Restore operator',
  admin: 'Admin',
};

/** A stored role in words; one the console no longer knows is shown as stored. */
export function roleLabelOf(role: string): string {
  return (ROLE_LABELS as Record<string, string>)[role] ?? role;
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: 'reads everything, changes nothing',
  operator: 'backs up, verifies, restores as a new VM or to a staging VM',
  'restore-operator':
    'also restores over what exists: in place, snapshot revert, volume revert, a staged copy back in place',
  admin: 'everything: users, inventory import, guest scripts, deleting restore points and jobs',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `role` is `minimum` or above it. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/**
 * Restore modes that overwrite what exists (the VM's disks, a snapshot's or a whole volume's
 * current state): only a restore operator may request them. `as-new` and `staged` write new VMs.
 */
export const DESTRUCTIVE_RESTORE_MODES: readonly RestoreMode[] = [
  'in-place',
  'snapshot-revert',
  'volume-revert',
];

export function isDestructiveRestoreMode(mode: RestoreMode): boolean {
  return DESTRUCTIVE_RESTORE_MODES.includes(mode);
}

/** What decides whether a restore overwrites what exists: its mode, and for `staged` its new name. */
export interface RestoreTarget {
  mode: RestoreMode;
  newVmName?: string | null;
}

/**
 * A staged restore without a new VM name copies the staged disks back over the VM itself
 * (restore-stages/model.ts): it overwrites the VM as an in-place restore does, and is asked,
 * approved and confirmed as one.
 */
export function isCopyBackInPlace(target: RestoreTarget): boolean {
  return target.mode === 'staged' && !target.newVmName?.trim();
}

/** True when the restore overwrites what exists: a destructive mode, or a staged copy back in place. */
export function isDestructiveRestore(target: RestoreTarget): boolean {
  return isDestructiveRestoreMode(target.mode) || isCopyBackInPlace(target);
}

/** The least role that may request this restore. */
export function minimumRoleForRestore(target: RestoreTarget): Role {
  return isDestructiveRestore(target) ? 'restore-operator' : 'operator';
}

/** What the console shows to a role; every flag mirrors a procedure's minimum role on the server. */
export interface Capabilities {
  /** Back up now, the backup wizard, run/cancel/retry operations, verify restore points, create/edit jobs. */
  runBackups: boolean;
  /** Restores as a new VM or to a staging VM. */
  restore: boolean;
  /** In-place, snapshot-revert and volume-revert restores. */
  restoreDestructive: boolean;
  /** Delete restore points and backup jobs. */
  delete: boolean;
  /** Replace or merge the inventory. */
  importInventory: boolean;
  /** Create, disable and change users. */
  manageUsers: boolean;
  /** Read the audit trail (it names every user and address). */
  readAudit: boolean;
  /** Connect hypervisor pools and store their accounts in the vault. */
  manageConnections: boolean;
  /**
   * Set or change a backup's guest scripts: commands run inside the guests as the vault's guest
   * accounts, their output in the operation's log. An operator runs a job an admin scripted.
   */
  writeGuestScripts: boolean;
}

export function capabilitiesOf(role: Role): Capabilities {
  return {
    runBackups: roleAtLeast(role, 'operator'),
    restore: roleAtLeast(role, 'operator'),
    restoreDestructive: roleAtLeast(role, 'restore-operator'),
    delete: roleAtLeast(role, 'admin'),
    importInventory: roleAtLeast(role, 'admin'),
    manageUsers: roleAtLeast(role, 'admin'),
    readAudit: roleAtLeast(role, 'admin'),
    manageConnections: roleAtLeast(role, 'admin'),
    writeGuestScripts: roleAtLeast(role, 'admin'),
  };
}
