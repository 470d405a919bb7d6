/**
 * The accounts port: users, their credentials and sessions, as the account services need them.
 * Implemented over better-auth's own data layer (its internal adapter and password hasher), so the
 * library stays the only code that reads or writes its tables and hashes passwords.
 */
import { isRole, type Role } from '../engine/roles';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../schemas/accounts';
import type { Auth } from './auth';
import { processSessionChecks } from './session-checks';

export interface AccountUser {
  id: string;
  name: string;
  email: string;
  /** null when the stored role is not one of the console's (treated as no access). */
  role: Role | null;
  disabled: boolean;
  failedSignIns: number;
  lockedUntil: Date | null;
  createdAt: Date;
}

export interface AccountSession {
  id: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
}

/**
 * A password as typed (checked for length by the caller), or as the library hashed it earlier: a
 * four-eyes request keeps only the hash of the password it would set (admin-rights.ts).
 */
export type PasswordCredential = { password: string } | { passwordHash: string };

export type NewAccount = {
  email: string;
  name: string;
  role: Role;
} & PasswordCredential;

export interface AccountDirectory {
  countUsers(): Promise<number>;
  listUsers(): Promise<AccountUser[]>;
  findUserById(id: string): Promise<AccountUser | null>;
  findUserByEmail(email: string): Promise<AccountUser | null>;
  /** Creates the user with a password credential; the email must be free (lower-cased by the caller). */
  createUser(account: NewAccount): Promise<AccountUser>;
  updateUser(
    id: string,
    change: Partial<Pick<AccountUser, 'role' | 'disabled' | 'failedSignIns' | 'lockedUntil' | 'name'>>,
  ): Promise<void>;
  /**
   * Counts one failed sign-in of the user, and locks the account when it is the `maxFailures`-th
   * (the count starts again from 0); null when the user is gone. Every failure is counted, also
   * when several console processes judge sign-ins of the account at the same moment.
   */
  recordFailedSignIn(
    id: string,
    lockout: { maxFailures: number; lockUntil: Date },
  ): Promise<FailedSignIn | null>;
  /** Replaces (or adds) the user's password credential. */
  setPassword(id: string, credential: PasswordCredential): Promise<void>;
  /** The password as the library stores it (salted scrypt): what a request may keep of it. */
  hashPassword(password: string): Promise<string>;
  listSessions(userId: string): Promise<AccountSession[]>;
  /** The session behind a cookie's token with its user, or null when it no longer exists. */
  findSessionByToken(token: string): Promise<{ session: AccountSession; user: AccountUser } | null>;
  revokeSession(sessionId: string): Promise<void>;
  revokeAllSessions(userId: string): Promise<void>;
  passwordLimits: { min: number; max: number };
}

export interface FailedSignIn {
  /** Failed sign-ins counted so far, this one included. */
  failures: number;
  /** Set when this failure locked the account. */
  lockedUntil: Date | null;
}

/** How often a failed sign-in's count is tried again when other processes keep changing it. */
const COUNT_ATTEMPTS = 50;

type LibraryUser = {
  id: string;
  name: string;
  email: string;
  createdAt: Date;
  role?: unknown;
  banned?: unknown;
  failedSignIns?: unknown;
  lockedUntil?: unknown;
};

export function toAccountUser(row: LibraryUser): AccountUser {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: isRole(row.role) ? row.role : null,
    disabled: row.banned === true,
    failedSignIns: typeof row.failedSignIns === 'number' ? row.failedSignIns : 0,
    lockedUntil: row.lockedUntil instanceof Date ? row.lockedUntil : null,
    createdAt: row.createdAt,
  };
}

function toAccountSession(
  row: Omit<AccountSession, 'ipAddress' | 'userAgent'> & {
    ipAddress?: string | null;
    userAgent?: string | null;
  },
): AccountSession {
  // The token is the cookie's value: it never leaves this module.
  return {
    id: row.id,
    userId: row.userId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    ipAddress: row.ipAddress ?? null,
    userAgent: row.userAgent ?? null,
  };
}

function hashOf(
  context: { password: { hash(password: string): Promise<string> } },
  credential: PasswordCredential,
): Promise<string> {
  return 'passwordHash' in credential
    ? Promise.resolve(credential.passwordHash)
    : context.password.hash(credential.password);
}

export function createAccountDirectory(auth: Auth): AccountDirectory {
  const library = () => auth.$context;
  return {
    passwordLimits: { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH },
    async countUsers() {
      return (await library()).internalAdapter.countTotalUsers();
    },
    async listUsers() {
      const rows = await (await library()).internalAdapter.listUsers(undefined, undefined, {
        field: 'email',
        direction: 'asc',
      });
      return rows.map(toAccountUser);
    },
    async findUserById(id) {
      const row = await (await library()).internalAdapter.findUserById(id);
      return row ? toAccountUser(row) : null;
    },
    async findUserByEmail(email) {
      const found = await (await library()).internalAdapter.findUserByEmail(email.toLowerCase());
      return found ? toAccountUser(found.user) : null;
    },
    async createUser({ email, name, role, ...credential }) {
      const context = await library();
      // Hashed first, so nothing but the database can fail between the user and its credential.
      const hash = await hashOf(context, credential);
      const created = await context.internalAdapter.createUser(
        { email: email.toLowerCase(), name, role, emailVerified: false },
        { method: 'admin' },
      );
      await context.internalAdapter.linkAccount({
        userId: created.id,
        providerId: 'credential',
        accountId: created.id,
        password: hash,
      });
      return toAccountUser(created);
    },
    async updateUser(id, change) {
      const { disabled, ...rest } = change;
      await (await library()).internalAdapter.updateUser(id, {
        ...rest,
        ...(disabled === undefined
          ? {}
          : { banned: disabled, banReason: disabled ? 'disabled by an admin' : null }),
      });
      // A live stream or a request of this user looks its session up again (the name is in requests' principal).
      if (change.role !== undefined || disabled !== undefined || change.name !== undefined)
        processSessionChecks().noteChanged();
    },
    async recordFailedSignIn(id, { maxFailures, lockUntil }) {
      const context = await library();
      // A compare-and-set on the stored count: read it, write it plus one only where it is still
      // what was read, else read again. Two processes that read the same count cannot both write
      // it plus one, so no failure is lost (a read-then-write counted two failures as one).
      for (let attempt = 0; attempt < COUNT_ATTEMPTS; attempt++) {
        const user = await context.internalAdapter.findUserById(id);
        if (!user) return null;
        const counted = toAccountUser(user).failedSignIns;
        const failures = counted + 1;
        const locks = failures >= maxFailures;
        const written = await context.adapter.updateMany({
          model: 'user',
          where: [
            { field: 'id', value: id },
            { field: 'failedSignIns', value: counted },
          ],
          update: locks ? { failedSignIns: 0, lockedUntil: lockUntil } : { failedSignIns: failures },
        });
        if (written === 1) return { failures, lockedUntil: locks ? lockUntil : null };
      }
      throw new Error(`The failed sign-in of user ${id} could not be counted: its count kept changing`);
    },
    async hashPassword(password) {
      return (await library()).password.hash(password);
    },
    async setPassword(id, credential) {
      const context = await library();
      const hash = await hashOf(context, credential);
      const existing = await context.internalAdapter.findCredentialAccount(id);
      if (existing) await context.internalAdapter.updatePassword(id, hash);
      else
        await context.internalAdapter.linkAccount({
          userId: id,
          providerId: 'credential',
          accountId: id,
          password: hash,
        });
    },
    async listSessions(userId) {
      const rows = await (await library()).internalAdapter.listSessions(userId);
      return rows.map(toAccountSession);
    },
    async findSessionByToken(token) {
      const found = await (await library()).internalAdapter.findSession(token);
      return found ? { session: toAccountSession(found.session), user: toAccountUser(found.user) } : null;
    },
    async revokeSession(sessionId) {
      const context = await library();
      // Sessions are deleted by token; find it among the owner's without handing it out.
      const row = await context.adapter.findOne<{ token: string }>({
        model: 'session',
        where: [{ field: 'id', value: sessionId }],
      });
      if (row) await context.internalAdapter.deleteSession(row.token);
      processSessionChecks().noteChanged();
    },
    async revokeAllSessions(userId) {
      await (await library()).internalAdapter.deleteUserSessions(userId);
      processSessionChecks().noteChanged();
    },
  };
}
