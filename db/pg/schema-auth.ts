/**
 * Accounts on PostgreSQL: the same tables, exported names and row types as db/schema-auth.ts
 * (checked by ./schema-equality.ts). See that file for what each column holds. `user` is a reserved
 * word in PostgreSQL: drizzle quotes it; raw SQL must too.
 */
import { boolean, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Role } from '../../server/engine/roles';

/** Millisecond timestamps with a time zone, read as Date (the SQLite schema's `timestamp_ms`). */
const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const user = pgTable('user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  createdAt: timestamp('created_at', TIME).notNull(),
  updatedAt: timestamp('updated_at', TIME).notNull(),
  role: text('role').$type<Role>(),
  banned: boolean('banned').default(false),
  banReason: text('ban_reason'),
  banExpires: timestamp('ban_expires', TIME),
  failedSignIns: integer('failed_sign_ins').notNull().default(0),
  lockedUntil: timestamp('locked_until', TIME),
  /**
   * Directory users only (null for the others): when the directory's next re-check of their groups
   * may start (server/auth/directory-recheck.ts). A process starts one only by moving this forward
   * from the value it read, so web nodes sharing the database do not re-check one user twice.
   */
  directoryCheckDueAt: timestamp('directory_check_due_at', TIME),
  /** Since when re-checks have got no answer from the directory (null while it answers). */
  directoryUnknownSince: timestamp('directory_unknown_since', TIME),
});

export const session = pgTable(
  'session',
  {
    id: text('id').primaryKey(),
    expiresAt: timestamp('expires_at', TIME).notNull(),
    token: text('token').notNull().unique(),
    createdAt: timestamp('created_at', TIME).notNull(),
    updatedAt: timestamp('updated_at', TIME).notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    impersonatedBy: text('impersonated_by'),
  },
  (t) => [index('session_user_id_idx').on(t.userId)],
);

export const account = pgTable(
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
    accessTokenExpiresAt: timestamp('access_token_expires_at', TIME),
    refreshTokenExpiresAt: timestamp('refresh_token_expires_at', TIME),
    scope: text('scope'),
    password: text('password'),
    createdAt: timestamp('created_at', TIME).notNull(),
    updatedAt: timestamp('updated_at', TIME).notNull(),
  },
  (t) => [index('account_user_id_idx').on(t.userId)],
);

export const verification = pgTable(
  'verification',
  {
    id: text('id').primaryKey(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: timestamp('expires_at', TIME).notNull(),
    createdAt: timestamp('created_at', TIME).notNull(),
    updatedAt: timestamp('updated_at', TIME).notNull(),
  },
  (t) => [index('verification_identifier_idx').on(t.identifier)],
);
