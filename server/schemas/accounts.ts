/**
 * Contracts of the account procedures and the `migawka user add` command: who a user is, the role
 * they get, and a password long enough (length, not composition, is what resists guessing).
 */
import { z } from 'zod';
import { ROLES } from '../engine/roles';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export const emailInput = z
  .string({ error: 'Enter an email address' })
  .trim()
  .toLowerCase()
  .pipe(z.email('Enter an email address like ada@example.com'));

export const passwordInput = z
  .string({ error: 'Enter a password' })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters`);

export const roleInput = z.enum(ROLES, { error: `Choose a role: ${ROLES.join(', ')}` });

export const personNameInput = z
  .string({ error: 'Enter a name' })
  .trim()
  .min(1, 'Enter a name')
  .max(100, 'Use at most 100 characters');

export const userIdInput = z.string().trim().min(1, 'Choose a user');

export const createAccountInput = z.object({
  email: emailInput,
  name: personNameInput,
  role: roleInput,
  password: passwordInput,
});
export type CreateAccountInput = z.input<typeof createAccountInput>;

export const changeRoleInput = z.object({ userId: userIdInput, role: roleInput });
export const setDisabledInput = z.object({
  userId: userIdInput,
  disabled: z.boolean({ error: 'Say whether the user is disabled' }),
});
export const resetPasswordInput = z.object({ userId: userIdInput, password: passwordInput });
export const sessionIdInput = z.object({ sessionId: z.string().trim().min(1, 'Choose a session') });

export const completeSetupInput = z.object({
  token: z
    .string({ error: 'Enter the setup token' })
    .trim()
    .min(1, 'Enter the setup token printed in the server log'),
  email: emailInput,
  name: personNameInput,
  password: passwordInput,
});
export type CompleteSetupInput = z.input<typeof completeSetupInput>;
