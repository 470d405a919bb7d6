/**
 * Four-eyes over who is an admin (`change-admins`). An admin approves every other kind of request,
 * so one admin who could make a second admin alone, or take another admin's account over by setting
 * its password, would approve their own requests through it. Such a change is therefore a request
 * a second admin approves whenever there is one to ask (user-admin-service.ts decides); the first
 * admin of a console still adds the second alone, as nobody else could.
 *
 * A request keeps no password in clear: the password it would set is hashed by the authentication
 * library when asked for, and that hash becomes the credential once approved.
 */
import { z } from 'zod';
import type { AccountUser } from '../auth/directory';
import { type AccountChange, changesAdminRights } from '../engine/approvals';
import { ROLE_LABELS, type Role } from '../engine/roles';
import { emailInput, personNameInput, roleInput, userIdInput } from '../schemas/accounts';
import {
  type AccountView,
  addAccount,
  applyDisabled,
  applyRoleChange,
  requireUser,
  setAccountPassword,
} from './account-service';
import type { ApprovalAction, ApprovalEnv, PreparedAction } from './approval-actions';
import { DomainError } from './errors';
import { parseInput } from './parse-input';

/** A library hash (`salt:key`, hex), never a password: a request refuses anything else. */
const passwordHashInput = z.string().regex(/^[0-9a-f]{16,}:[0-9a-f]{32,}$/, 'Not a password hash');

/** What a `change-admins` request stores: a password only as its hash. */
export const adminChangePayload = z.discriminatedUnion('change', [
  z.object({
    change: z.literal('create'),
    email: emailInput,
    name: personNameInput,
    passwordHash: passwordHashInput,
  }),
  z.object({ change: z.literal('role'), userId: userIdInput, role: roleInput }),
  z.object({ change: z.literal('disabled'), userId: userIdInput, disabled: z.boolean() }),
  z.object({ change: z.literal('password'), userId: userIdInput, passwordHash: passwordHashInput }),
]);
export type AdminChangePayload = z.infer<typeof adminChangePayload>;

export interface AdminRightsPreview {
  kind: 'change-admins';
  change: AdminChangePayload['change'];
  /** The account it changes, or the one it creates. */
  user: { name: string; email: string };
  /** What changes, in words, with what it gives or takes away. */
  words: string;
}

/**
 * The change as the engine judges it, for a user as they are now (null: the account to create);
 * `isOwn`: the one asking changes their own account.
 */
export function accountChangeOf(
  payload: AdminChangePayload,
  user: AccountUser | null,
  isOwn: boolean,
): AccountChange {
  switch (payload.change) {
    case 'create':
      return { change: 'create', role: 'admin' };
    case 'role':
      return { change: 'role', from: user?.role ?? null, to: payload.role };
    case 'disabled':
      return {
        change: 'disabled',
        role: user?.role ?? null,
        from: user?.disabled ?? false,
        to: payload.disabled,
      };
    case 'password':
      return { change: 'password', role: user?.role ?? null, isOwn };
  }
}

function roleName(role: Role | null): string {
  return role ? ROLE_LABELS[role] : 'no role';
}

function describeChange(
  payload: AdminChangePayload,
  user: AccountUser | null,
): { title: string; words: string } {
  const who = user ? `${user.name} (${user.email})` : '';
  switch (payload.change) {
    case 'create':
      return {
        title: `Create the admin account ${payload.email}`,
        words: `A new account, ${payload.name} (${payload.email}), with the Admin role and a first password the requester chose: whoever knows it signs in as an admin and may approve every four-eyes request.`,
      };
    case 'role':
      return payload.role === 'admin'
        ? {
            title: `Make ${user?.email} an admin`,
            words: `${who} becomes Admin (${roleName(user?.role ?? null)} today): they may then approve every four-eyes request and do everything an admin does.`,
          }
        : {
            title: `Take the admin role from ${user?.email}`,
            words: `${who} stops being an admin and becomes ${roleName(payload.role)}: one admin fewer to approve requests.`,
          };
    case 'disabled':
      return payload.disabled
        ? {
            title: `Disable the admin ${user?.email}`,
            words: `The admin ${who} is disabled and signed out everywhere: one admin fewer to approve requests.`,
          }
        : {
            title: `Enable the admin ${user?.email}`,
            words: `The admin ${who} is enabled again and signs in as an admin.`,
          };
    case 'password':
      return {
        title: `Set a new password for the admin ${user?.email}`,
        words: `The admin ${who} gets a password the requester chose, and is signed out everywhere: whoever knows it signs in as that admin.`,
      };
  }
}

function accountNamed(
  payload: AdminChangePayload,
  user: AccountUser | null,
): { name: string; email: string } {
  if (user) return { name: user.name, email: user.email };
  return payload.change === 'create' ? { name: payload.name, email: payload.email } : { name: '', email: '' };
}

async function userOf(env: ApprovalEnv, payload: AdminChangePayload): Promise<AccountUser | null> {
  if (payload.change === 'create') {
    if (await env.accounts.findUserByEmail(payload.email)) {
      throw new DomainError('CONFLICT', `A user with the email ${payload.email} already exists`, [
        { path: 'email', message: 'This email is already in use' },
      ]);
    }
    return null;
  }
  return requireUser(env.accounts, payload.userId);
}

export function changeAdminsAction(digest: (value: unknown) => string): ApprovalAction {
  return {
    kind: 'change-admins',
    parsePayload: (payload) => parseInput(adminChangePayload, payload),
    async prepare(env, raw): Promise<PreparedAction> {
      const payload = parseInput(adminChangePayload, raw);
      const user = await userOf(env, payload);
      // Asked for by someone else than the account's own (user-admin-service.ts runs one's own at once).
      if (!changesAdminRights(accountChangeOf(payload, user, false))) {
        // The account changed since the request (it is no admin now): no longer this kind's to approve.
        throw new DomainError('CONFLICT', 'This change no longer decides who is an admin');
      }
      const { title, words } = describeChange(payload, user);
      return {
        title,
        preview: {
          kind: 'change-admins',
          change: payload.change,
          user: accountNamed(payload, user),
          words,
        },
        // The account as it was asked about: a role or status changed since is another change.
        fingerprint: digest([
          payload.change,
          user ? [user.id, user.role, user.disabled] : accountNamed(payload, null),
        ]),
      };
    },
    async run(env, raw) {
      const payload = parseInput(adminChangePayload, raw);
      return { userId: (await runAdminChange(env, payload)).id };
    },
  };
}

/** The change itself: what the direct procedure does, with a kept hash for a password. */
export function runAdminChange(env: ApprovalEnv, payload: AdminChangePayload): Promise<AccountView> {
  const { accounts, service } = env;
  switch (payload.change) {
    case 'create':
      return addAccount(accounts, service, {
        email: payload.email,
        name: payload.name,
        role: 'admin',
        passwordHash: payload.passwordHash,
      });
    case 'role':
      return applyRoleChange(accounts, service, payload);
    case 'disabled':
      return applyDisabled(accounts, service, payload);
    case 'password':
      return setAccountPassword(accounts, service, payload.userId, { passwordHash: payload.passwordHash });
  }
}
