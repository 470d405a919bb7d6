/**
 * Contracts of the account procedures and the `migawka user add` command: who a user is, the role
 * they get, and a password long enough (length, not composition, is what resists guessing).
 */
import { z } from 'zod';
import { ROLES } from '../engine/roles';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export const emailSchema = z
  .string({ error: 'Enter an email address' })
  .trim()
  .toLowerCase()
  .pipe(z.email('Enter an email address like ada@example.com'));

export const passwordSchema = z
  .string({ error: 'Enter a password' })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters`);

export const roleSchema = z.enum(ROLES, { error: `Choose a role: ${ROLES.join(', ')}` });

export const personNameSchema = z
  .string({ error: 'Enter a name' })
  .trim()
  .min(1, 'Enter a name')
  .max(100, 'Use at most 100 characters');

export const userIdSchema = z.string().trim().min(1, 'Choose a user');

export const createAccountInputSchema = z.object({
  email: emailSchema,
  name: personNameSchema,
  role: roleSchema,
  password: passwordSchema,
});
export type CreateAccountInput = z.input<typeof createAccountInputSchema>;

export const changeRoleInputSchema = z.object({ userId: userIdSchema, role: roleSchema });
export const setDisabledInputSchema = z.object({
  userId: userIdSchema,
  disabled: z.boolean({ error: 'Say whether the user is disabled' }),
});
export const resetPasswordInputSchema = z.object({ userId: userIdSchema, password: passwordSchema });
export const sessionIdInputSchema = z.object({ sessionId: z.string().trim().min(1, 'Choose a session') });

export const completeSetupInputSchema = z.object({
  token: z
    .string({ error: 'Enter the setup token' })
    .trim()
    .min(1, 'Enter the setup token printed in the server log'),
  email: emailSchema,
  name: personNameSchema,
  password: passwordSchema,
});
export type CompleteSetupInput = z.input<typeof completeSetupInputSchema>;
