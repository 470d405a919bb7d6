/**
 * The per-kind four-eyes policy. Turning it on for a kind takes effect at once. Turning it off is
 * itself a four-eyes request (`turn-off-four-eyes`, which cannot be turned off): were it one
 * admin's say, that admin could turn it off, act alone and turn it back on, and four-eyes would
 * only ever slow them down.
 */
import { z } from 'zod';
import { actorLabel } from '../context';
import {
  APPROVAL_KIND_LABELS,
  APPROVAL_KINDS,
  type ApprovalKind,
  isApprovalRequired,
} from '../engine/approvals';
import type { ApprovalAction, ApprovalEnv } from './approval-actions';
import { NO_ORIGIN, type RequestOrigin, recordAudit } from './audit-service';
import { DomainError } from './errors';
import { parseInput } from './parse-input';

export interface ApprovalPolicyView {
  kind: ApprovalKind;
  label: string;
  required: boolean;
  /** False for the kinds four-eyes always covers (turning it off): the console offers no switch. */
  canTurnOff: boolean;
  reason: string | null;
  updatedAt: Date | null;
  updatedByName: string | null;
}

export async function listApprovalPolicies(env: Pick<ApprovalEnv, 'stores'>): Promise<ApprovalPolicyView[]> {
  const stored = await env.stores.approvals.policies();
  return APPROVAL_KINDS.map((kind) => {
    const row = stored.find((policy) => policy.kind === kind);
    return {
      kind,
      label: APPROVAL_KIND_LABELS[kind],
      required: isApprovalRequired(kind, stored),
      canTurnOff: kind !== 'turn-off-four-eyes',
      reason: row?.reason ?? null,
      updatedAt: row?.updatedAt ?? null,
      updatedByName: row?.updatedByName ?? null,
    };
  });
}

/**
 * Writes the policy of one kind. The change stands only with its audit entry naming who made it
 * (and why, when turning it off): if the entry cannot be written, the policy is put back.
 */
export async function writeApprovalPolicy(
  env: ApprovalEnv & { origin?: RequestOrigin },
  input: { kind: ApprovalKind; required: boolean; reason?: string | null },
): Promise<ApprovalPolicyView> {
  const { actor } = env.service;
  const before = (await env.stores.approvals.policies()).find((policy) => policy.kind === input.kind) ?? null;
  const policy = {
    kind: input.kind,
    required: input.required,
    reason: input.reason?.trim() || null,
    updatedAt: env.service.now(),
    updatedBy: actorLabel(actor),
    updatedByName: actor.name,
  };
  await env.stores.approvals.setPolicy(policy);
  const label = APPROVAL_KIND_LABELS[input.kind];
  try {
    await recordAudit(env.stores, env.service, {
      action: 'approvals.policy-changed',
      objects: [{ kind: 'approval-policy', id: input.kind, name: label }],
      input: { kind: input.kind, required: input.required, reason: policy.reason },
      outcome: 'succeeded',
      message: `${actor.name} turned four-eyes approval ${input.required ? 'on' : 'off'} for ${label.toLowerCase()}${policy.reason ? `: ${policy.reason}` : ''}`,
      origin: env.origin ?? NO_ORIGIN,
    });
  } catch (error) {
    await env.stores.approvals.setPolicy(
      before ?? { ...policy, required: true, reason: null, updatedBy: 'system', updatedByName: 'system' },
    );
    throw error;
  }
  return (await listApprovalPolicies(env)).find((view) => view.kind === input.kind) as ApprovalPolicyView;
}

/** Refuses turning off four-eyes for turning it off: one admin could then turn off any other kind. */
export function assertMayTurnOff(kind: ApprovalKind): void {
  if (kind !== 'turn-off-four-eyes') return;
  throw new DomainError(
    'INVALID_INPUT',
    'Four-eyes approval of turning four-eyes off cannot be turned off: one admin alone could then turn it off for every other action',
    [{ path: 'kind', message: 'four-eyes always covers turning four-eyes off' }],
  );
}

const turnOffInput = z.object({
  kind: z.enum(APPROVAL_KINDS),
  reason: z.string().trim().min(1).max(500),
});

export function turnOffFourEyesAction(digest: (value: unknown) => string): ApprovalAction {
  return {
    kind: 'turn-off-four-eyes',
    parsePayload: (payload) => parseInput(turnOffInput, payload),
    async prepare(env, payload) {
      const { kind, reason } = parseInput(turnOffInput, payload);
      assertMayTurnOff(kind);
      const stored = await env.stores.approvals.policies();
      const label = APPROVAL_KIND_LABELS[kind];
      if (!isApprovalRequired(kind, stored)) {
        throw new DomainError('CONFLICT', `Four-eyes approval is already off for ${label.toLowerCase()}`);
      }
      const row = stored.find((policy) => policy.kind === kind);
      return {
        title: `Turn four-eyes approval off for ${label.toLowerCase()}`,
        preview: { kind: 'turn-off-four-eyes', policy: { kind, label }, reason },
        // Another change of the policy since (turned off and on again) is another request.
        fingerprint: digest([kind, reason, row?.updatedAt?.toISOString() ?? null]),
      };
    },
    async run(env, payload) {
      const { kind, reason } = parseInput(turnOffInput, payload);
      await writeApprovalPolicy(env, { kind, required: false, reason });
      return { kind };
    },
  };
}
