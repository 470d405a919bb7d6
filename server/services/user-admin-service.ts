/**
 * What an admin does to users, through four-eyes where it decides who is an admin (admin-rights.ts
 * says why). Such a change runs at once only while four-eyes is off for it, or while no other
 * enabled admin exists to approve it: the first admin adds the second alone. Every other change to
 * a user runs at once, as account-service.ts does it.
 */
import { type AccountChange, changesAdminRights } from '../engine/approvals';
import {
  changeRoleInput,
  createAccountInput,
  resetPasswordInput,
  setDisabledInput,
} from '../schemas/accounts';
import {
  type AccountView,
  addAccount,
  changeRole,
  otherEnabledAdmins,
  requireUser,
  resetPassword,
  setAccountDisabled,
} from './account-service';
import type { AdminChangePayload } from './admin-rights';
import {
  type ApprovalContext,
  type ApprovalRequested,
  isApprovalRequiredFor,
  requestApproval,
} from './approval-service';
import { parseInput } from './parse-input';

function actorIdOf(env: ApprovalContext): string | null {
  return env.service.actor.kind === 'user' ? env.service.actor.id : null;
}

/** Whether a change of admin rights waits for a second admin: four-eyes is on and one exists to ask. */
async function mustAskSecondAdmin(env: ApprovalContext): Promise<boolean> {
  if (!(await isApprovalRequiredFor(env, 'change-admins'))) return false;
  return (await otherEnabledAdmins(env.accounts, actorIdOf(env) ?? '')) > 0;
}

/** A request when `change` decides who is an admin and a second admin must approve it; else null. */
async function requestIfAdminChange(
  env: ApprovalContext,
  change: AccountChange,
  payload: () => Promise<AdminChangePayload>,
): Promise<ApprovalRequested | null> {
  if (!changesAdminRights(change) || !(await mustAskSecondAdmin(env))) return null;
  return requestApproval(env, 'change-admins', await payload());
}

export async function createAccountOrAsk(
  env: ApprovalContext,
  raw: unknown,
): Promise<AccountView | ApprovalRequested> {
  const input = parseInput(createAccountInput, raw);
  const requested = await requestIfAdminChange(env, { change: 'create', role: input.role }, async () => ({
    change: 'create',
    email: input.email,
    name: input.name,
    // Hashed now: the request keeps no password in clear.
    passwordHash: await env.accounts.hashPassword(input.password),
  }));
  return requested ?? addAccount(env.accounts, env.service, input);
}

export async function changeRoleOrAsk(
  env: ApprovalContext,
  raw: unknown,
): Promise<AccountView | ApprovalRequested> {
  const input = parseInput(changeRoleInput, raw);
  // One's own role is refused by changeRole, whatever four-eyes says.
  if (input.userId !== actorIdOf(env)) {
    const user = await requireUser(env.accounts, input.userId);
    const requested = await requestIfAdminChange(
      env,
      { change: 'role', from: user.role, to: input.role },
      async () => ({ change: 'role', userId: user.id, role: input.role }),
    );
    if (requested) return requested;
  }
  return changeRole(env.accounts, env.service, input);
}

export async function setDisabledOrAsk(
  env: ApprovalContext,
  raw: unknown,
): Promise<AccountView | ApprovalRequested> {
  const input = parseInput(setDisabledInput, raw);
  // Disabling oneself is refused by setAccountDisabled.
  if (input.userId !== actorIdOf(env)) {
    const user = await requireUser(env.accounts, input.userId);
    const requested = await requestIfAdminChange(
      env,
      { change: 'disabled', role: user.role, from: user.disabled, to: input.disabled },
      async () => ({ change: 'disabled', userId: user.id, disabled: input.disabled }),
    );
    if (requested) return requested;
  }
  return setAccountDisabled(env.accounts, env.service, input);
}

export async function resetPasswordOrAsk(
  env: ApprovalContext,
  raw: unknown,
): Promise<AccountView | ApprovalRequested> {
  const input = parseInput(resetPasswordInput, raw);
  const user = await requireUser(env.accounts, input.userId);
  const requested = await requestIfAdminChange(
    env,
    { change: 'password', role: user.role, isOwn: user.id === actorIdOf(env) },
    async () => ({
      change: 'password',
      userId: user.id,
      // Hashed now, and only for a request: it keeps no password in clear.
      passwordHash: await env.accounts.hashPassword(input.password),
    }),
  );
  return requested ?? resetPassword(env.accounts, env.service, input);
}
