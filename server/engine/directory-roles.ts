/**
 * Directory sign-in (OpenID Connect): which console role a directory user gets, from the groups
 * their identity provider puts in a claim. Pure: the configuration says which group gives which role;
 * a user in several mapped groups gets the highest of their roles; a user in none is refused
 * (the directory says nothing about them, so the console gives them nothing).
 */
import { ROLES, type Role } from './roles';

export interface GroupRole {
  group: string;
  role: Role;
}

/** The groups a claim carries: a list of names, or one name (some providers send a string). */
export function groupsOfClaim(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim)) return claim.filter((value): value is string => typeof value === 'string');
  return [];
}

/** The highest role any of `groups` maps to, or null when none is mapped. Group names compare exactly. */
export function roleFromGroups(claim: unknown, mapping: readonly GroupRole[]): Role | null {
  const groups = new Set(groupsOfClaim(claim));
  let best: Role | null = null;
  for (const { group, role } of mapping) {
    if (groups.has(group) && (best === null || ROLES.indexOf(role) > ROLES.indexOf(best))) best = role;
  }
  return best;
}
