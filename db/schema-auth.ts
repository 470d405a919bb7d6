/**
 * Accounts (drizzle, SQLite): better-auth's tables on the console's own database, read and written
 * by better-auth through its Drizzle adapter (server/auth/auth.ts) and by nothing else.
 *
 * Property names are better-auth's field names (the adapter maps by them); columns are snake_case
 * like the rest of the schema. Fields beyond better-auth's core: `role`, `banned`, `banReason`,
 * `banExpires` and `impersonatedBy` come from its admin plugin (a banned user is a disabled one);
 * `failedSignIns` and `lockedUntil` are the console's lockout counter (server/auth/sign-in-guard.ts);
 * `directoryCheckDueAt` and `directoryUnknownSince` its re-check of directory users' groups.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { Role } from '../server/engine/roles';

export const user = sqliteTable('user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
  image: text('image'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  role: text('role').$type<Role>(),
  banned: integer('banned', { mode: 'boolean' }).default(false),
  banReason: text('ban_reason'),
  banExpires: integer('ban_expires', { mode: 'timestamp_ms' }),
  failedSignIns: integer('failed_sign_ins').notNull().default(0),
  lockedUntil: integer('locked_until', { mode: 'timestamp_ms' }),
  /**
   * Directory users only (null for the others): when the directory's next re-check of their groups
   * may start (server/auth/directory-recheck.ts). A process starts one only by moving this forward
   * from the value it read, so web nodes sharing the database do not re-check one user twice.
   */
  directoryCheckDueAt: integer('directory_check_due_at', { mode: 'timestamp_ms' }),
  /** Since when re-checks have got no answer from the directory (null while it answers). */
  directoryUnknownSince: integer('directory_unknown_since', { mode: 'timestamp_ms' }),
});

export const session = sqliteTable(
  'session',
  {
    id: text('id').primaryKey(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    token: text('token').notNull().unique(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    impersonatedBy: text('impersonated_by'),
  },
  (t) => [index('session_user_id_idx').on(t.userId)],
);

export const account = sqliteTable(
  'account',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: integer('access_token_expires_at', { mode: 'timestamp_ms' }),
    refreshTokenExpiresAt: integer('refresh_token_expires_at', { mode: 'timestamp_ms' }),
    scope: text('scope'),
    password: text('password'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('account_user_id_idx').on(t.userId)],
);

export const verification = sqliteTable(
  'verification',
  {
    id: text('id').primaryKey(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('verification_identifier_idx').on(t.identifier)],
);
