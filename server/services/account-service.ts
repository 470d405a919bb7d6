/**
 * Accounts: the first admin (setup page, `migawka user add`, the demo lab's admin), what admins do
 * to users (create, change role, disable, reset a password) and what everyone does to their own
 * sessions. Every function checks its input against server/schemas/accounts and names the field.
 *
 * Guard rails an admin cannot talk their way past: nobody changes their own role or disables
 * themselves, and the last enabled admin can be neither demoted nor disabled, so the console can
 * never be left without someone able to manage it.
 */
import type {
  AccountDirectory,
  AccountSession,
  AccountUser,
  NewAccount,
  PasswordCredential,
} from '../auth/directory';
import { type OneAtATime, oneAtATimePerKey } from '../auth/one-at-a-time';
import { forgetSetupToken, isSetupToken } from '../auth/setup-token';
import type { ServiceContext } from '../context';
import { capabilitiesOf, ROLE_LABELS, type Role } from '../engine/roles';
import {
  changeRoleInput,
  completeSetupInput,
  createAccountInput,
  resetPasswordInput,
  sessionIdInput,
  setDisabledInput,
} from '../schemas/accounts';
import { DomainError, goneSinceLoaded, notOnRecord } from './errors';
import { parseInput } from './parse-input';

/** A user as the console shows it (never a password, hash or session token). */
export interface AccountView {
  id: string;
  name: string;
  email: string;
  role: Role | null;
  roleLabel: string;
  disabled: boolean;
  lockedUntil: Date | null;
  createdAt: Date;
}

function viewOf(user: AccountUser, now: Date): AccountView {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    roleLabel: user.role ? ROLE_LABELS[user.role] : 'No role',
    disabled: user.disabled,
    lockedUntil: user.lockedUntil && user.lockedUntil > now ? user.lockedUntil : null,
    createdAt: user.createdAt,
  };
}

function signedInUserId(ctx: ServiceContext): string {
  if (ctx.actor.kind !== 'user') throw new DomainError('FORBIDDEN', 'Only a signed-in user has sessions');
  return ctx.actor.id;
}

/** The user an admin acted on from the users page or an approval request (each names it `userId`). */
export async function requireUser(accounts: AccountDirectory, id: string): Promise<AccountUser> {
  const user = await accounts.findUserById(id);
  // The console disables users, never deletes them.
  if (!user) throw notOnRecord('user', 'userId');
  return user;
}

async function assertEmailFree(accounts: AccountDirectory, email: string): Promise<void> {
  if (await accounts.findUserByEmail(email)) {
    throw new DomainError('CONFLICT', `A user with the email ${email} already exists`, [
      { path: 'email', message: 'This email is already in use' },
    ]);
  }
}

export async function listAccounts(accounts: AccountDirectory, ctx: ServiceContext): Promise<AccountView[]> {
  const now = ctx.now();
  return (await accounts.listUsers()).map((user) => viewOf(user, now));
}

export async function createAccount(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  raw: unknown,
): Promise<AccountView> {
  return addAccount(accounts, ctx, parseInput(createAccountInput, raw));
}

/** Creates a checked account (an approved request's holds its password's hash, not the password). */
export async function addAccount(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  account: NewAccount,
): Promise<AccountView> {
  await assertEmailFree(accounts, account.email);
  const created = await accounts.createUser(account);
  ctx.log.info({ userId: created.id, role: account.role, by: ctx.actor.id }, 'user created');
  return viewOf(created, ctx.now());
}

/** Enabled admins other than `exceptId`: the last one must stay an enabled admin. */
export async function otherEnabledAdmins(accounts: AccountDirectory, exceptId: string): Promise<number> {
  const users = await accounts.listUsers();
  return users.filter((user) => user.id !== exceptId && user.role === 'admin' && !user.disabled).length;
}

const adminChangesByDirectory = new WeakMap<AccountDirectory, OneAtATime>();

/**
 * Runs a change that could leave the console without an enabled admin (a role change, a disable)
 * after the ones before it on the same directory: its check that another enabled admin remains and
 * its write are then one step in this process, and two admins demoting each other at once cannot
 * both pass the check. Other processes (PostgreSQL scale-out) are not serialized by this:
 * `keepAnEnabledAdmin` checks again once the change is written.
 */
function oneAdminChangeAtATime<T>(accounts: AccountDirectory, change: () => Promise<T>): Promise<T> {
  let serialize = adminChangesByDirectory.get(accounts);
  if (!serialize) {
    serialize = oneAtATimePerKey();
    adminChangesByDirectory.set(accounts, serialize);
  }
  return serialize('admins', change);
}

/**
 * After a change that took an admin away has been written: when no enabled admin is left (a change
 * in another process passed its check at the same moment), undoes it and refuses, so the console
 * never stays without one. Both changes may then be refused; the admins can try again.
 */
async function keepAnEnabledAdmin(
  accounts: AccountDirectory,
  undo: () => Promise<void>,
  refusal: DomainError,
): Promise<void> {
  const users = await accounts.listUsers();
  if (users.some((user) => user.role === 'admin' && !user.disabled)) return;
  await undo();
  throw refusal;
}

export async function changeRole(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  raw: unknown,
): Promise<AccountView> {
  const input = parseInput(changeRoleInput, raw);
  if (ctx.actor.kind === 'user' && ctx.actor.id === input.userId) {
    throw new DomainError('FORBIDDEN', 'You cannot change your own role: ask another admin', [
      { path: 'role', message: 'You cannot change your own role' },
    ]);
  }
  return applyRoleChange(accounts, ctx, input);
}

/**
 * Gives a user another role, keeping an enabled admin. An admin approving a request to change
 * their own role (admin-rights.ts) comes here directly: they agreed to it by approving.
 */
export function applyRoleChange(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  input: { userId: string; role: Role },
): Promise<AccountView> {
  return oneAdminChangeAtATime(accounts, async () => {
    const user = await requireUser(accounts, input.userId);
    const lastAdmin = new DomainError(
      'PRECONDITION_FAILED',
      `${user.email} is the last admin: make someone else admin first`,
      [{ path: 'role', message: 'The last admin keeps the admin role' }],
    );
    const takesAnAdminAway = user.role === 'admin' && input.role !== 'admin';
    if (takesAnAdminAway && (await otherEnabledAdmins(accounts, user.id)) === 0) throw lastAdmin;
    await accounts.updateUser(user.id, { role: input.role });
    if (takesAnAdminAway) {
      await keepAnEnabledAdmin(accounts, () => accounts.updateUser(user.id, { role: user.role }), lastAdmin);
    }
    ctx.log.info({ userId: user.id, from: user.role, to: input.role, by: ctx.actor.id }, 'role changed');
    return viewOf({ ...user, role: input.role }, ctx.now());
  });
}

/** Disables (signs out everywhere, refuses sign-in) or enables a user. */
export async function setAccountDisabled(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  raw: unknown,
): Promise<AccountView> {
  const input = parseInput(setDisabledInput, raw);
  if (input.disabled && ctx.actor.kind === 'user' && ctx.actor.id === input.userId) {
    throw new DomainError('FORBIDDEN', 'You cannot disable yourself', [
      { path: 'disabled', message: 'You cannot disable yourself' },
    ]);
  }
  return applyDisabled(accounts, ctx, input);
}

/** Disables or enables a user, keeping an enabled admin (an approving admin may disable themselves). */
export function applyDisabled(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  input: { userId: string; disabled: boolean },
): Promise<AccountView> {
  return oneAdminChangeAtATime(accounts, async () => {
    const user = await requireUser(accounts, input.userId);
    const lastAdmin = new DomainError('PRECONDITION_FAILED', `${user.email} is the last enabled admin`, [
      { path: 'disabled', message: 'The last enabled admin cannot be disabled' },
    ]);
    const takesAnAdminAway = input.disabled && user.role === 'admin' && !user.disabled;
    if (input.disabled) {
      if (user.role === 'admin' && (await otherEnabledAdmins(accounts, user.id)) === 0) throw lastAdmin;
    }
    await accounts.updateUser(user.id, { disabled: input.disabled });
    if (takesAnAdminAway) {
      await keepAnEnabledAdmin(accounts, () => accounts.updateUser(user.id, { disabled: false }), lastAdmin);
    }
    if (input.disabled) await accounts.revokeAllSessions(user.id);
    ctx.log.info({ userId: user.id, disabled: input.disabled, by: ctx.actor.id }, 'user enabled/disabled');
    return viewOf({ ...user, disabled: input.disabled }, ctx.now());
  });
}

/** Sets a new password, lifts a lockout and signs the user out everywhere. */
export async function resetPassword(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  raw: unknown,
): Promise<AccountView> {
  const input = parseInput(resetPasswordInput, raw);
  return setAccountPassword(accounts, ctx, input.userId, { password: input.password });
}

/** resetPassword's work, also with a hash an approved request kept. */
export async function setAccountPassword(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  userId: string,
  credential: PasswordCredential,
): Promise<AccountView> {
  const user = await requireUser(accounts, userId);
  await accounts.setPassword(user.id, credential);
  await accounts.updateUser(user.id, { failedSignIns: 0, lockedUntil: null });
  await accounts.revokeAllSessions(user.id);
  ctx.log.info({ userId: user.id, by: ctx.actor.id }, 'password reset');
  return viewOf({ ...user, failedSignIns: 0, lockedUntil: null }, ctx.now());
}

/** What the console knows about the signed-in user: who, which role, what the UI may offer. */
export function describeMe(ctx: ServiceContext) {
  const { actor } = ctx;
  if (actor.kind !== 'user') throw new DomainError('FORBIDDEN', 'Only a signed-in user has an account');
  return {
    user: { id: actor.id, name: actor.name, email: actor.email },
    role: actor.role,
    roleLabel: ROLE_LABELS[actor.role],
    capabilities: capabilitiesOf(actor.role),
  };
}

export interface SessionView extends AccountSession {
  current: boolean;
}

export async function listMySessions(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  currentSessionId: string | null,
): Promise<SessionView[]> {
  const now = ctx.now();
  const sessions = await accounts.listSessions(signedInUserId(ctx));
  return sessions
    .filter((session) => session.expiresAt > now)
    .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())
    .map((session) => ({ ...session, current: session.id === currentSessionId }));
}

/** Ends one of my sessions (another browser, a lost laptop); the current one too, if asked. */
export async function revokeMySession(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  raw: unknown,
): Promise<{ sessionId: string }> {
  const input = parseInput(sessionIdInput, raw);
  const mine = await accounts.listSessions(signedInUserId(ctx));
  if (!mine.some((session) => session.id === input.sessionId)) {
    throw goneSinceLoaded('session', 'sessionId', 'it ended (signed out, expired or revoked)');
  }
  await accounts.revokeSession(input.sessionId);
  return { sessionId: input.sessionId };
}

export async function needsSetup(accounts: AccountDirectory): Promise<boolean> {
  return (await accounts.countUsers()) === 0;
}

/** The setup page: the first admin, allowed only with the token from the server log and only once. */
export async function completeSetup(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  raw: unknown,
): Promise<AccountView> {
  const input = parseInput(completeSetupInput, raw);
  if (!(await needsSetup(accounts))) {
    throw new DomainError('CONFLICT', 'The console is already set up: sign in instead');
  }
  if (!isSetupToken(input.token)) {
    throw new DomainError('INVALID_INPUT', 'The setup token is not the one in the server log', [
      {
        path: 'token',
        message: 'Not the setup token printed in the server log (a restart prints a new one)',
      },
    ]);
  }
  const created = await accounts.createUser({ ...input, role: 'admin' });
  forgetSetupToken();
  ctx.log.info({ userId: created.id }, 'first admin created by the setup page');
  return viewOf(created, ctx.now());
}

/**
 * The demo lab's admin (MIGAWKA_DEMO_ADMIN): created at start when no account exists, so a newcomer
 * signs in at once. Does nothing once any account exists.
 */
export async function ensureDemoAdmin(
  accounts: AccountDirectory,
  ctx: ServiceContext,
  credentials: { email: string; password: string },
): Promise<boolean> {
  if (!(await needsSetup(accounts))) return false;
  try {
    await createAccount(accounts, ctx, { ...credentials, name: 'Demo admin', role: 'admin' });
  } catch (error) {
    // Several web nodes starting together on one database: another one created it a moment ago.
    if (await accounts.findUserByEmail(credentials.email.toLowerCase())) return false;
    throw error;
  }
  return true;
}
