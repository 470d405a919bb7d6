'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { toast } from 'sonner';
import { Can } from '@/app/_components/account/can';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { announceApprovalRequested } from './approval-sent';

type Policy = RouterOutputs['approvals']['policies'][number];

function PolicyRow({ policy }: { policy: Policy }) {
  return (
    <li className="rounded-md border border-line bg-surface p-3 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">{policy.label}</span>
        <Badge tone={policy.required ? 'success' : 'warning'}>
          {policy.required ? 'Needs a second admin' : 'Runs without approval'}
        </Badge>
        {policy.updatedByName ? (
          <span className="text-fg-muted">
            changed by {policy.updatedByName} on {formatDateTime(policy.updatedAt)}
            {policy.reason ? `: ${policy.reason}` : ''}
          </span>
        ) : null}
      </div>
      {policy.canTurnOff ? null : (
        <p className="mt-1 text-fg-muted">
          Always: were it one admin’s say, that admin could turn four-eyes off for any action.
        </p>
      )}
      <Can capability="manageUsers">{policy.canTurnOff ? <PolicySwitch policy={policy} /> : null}</Can>
    </li>
  );
}

/** Turns four-eyes on at once, or asks a second admin to turn it off (with the reason recorded). */
function PolicySwitch({ policy }: { policy: Policy }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const change = useMutation(
    trpc.approvals.setPolicy.mutationOptions({
      onSuccess: async (updated) => {
        setReason('');
        // Turning it off is a request a second admin approves: nothing changed yet.
        if ('approvalRequest' in updated) {
          announceApprovalRequested(updated.approvalRequest);
          await queryClient.invalidateQueries({ queryKey: trpc.approvals.pathKey() });
          return;
        }
        toast.success(`Four-eyes ${updated.required ? 'on' : 'off'} for ${updated.label.toLowerCase()}`);
        await queryClient.invalidateQueries({ queryKey: trpc.approvals.policies.queryKey() });
      },
    }),
  );
  const reasonId = `policy-reason-${policy.kind}`;
  return (
    <>
      <div className="mt-2 flex flex-wrap items-end gap-2">
        {policy.required ? (
          <div className="flex flex-col gap-1">
            <Label htmlFor={reasonId}>
              Why turn it off for {policy.label.toLowerCase()}? (a second admin approves it)
            </Label>
            <Input
              id={reasonId}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              className="w-96"
            />
          </div>
        ) : null}
        <Button
          size="sm"
          variant="secondary"
          disabled={change.isPending}
          onClick={() =>
            change.mutate({ kind: policy.kind, required: !policy.required, reason: reason || undefined })
          }
        >
          {policy.required ? 'Turn four-eyes off' : 'Turn four-eyes on'}
        </Button>
      </div>
      {change.isError ? <MutationErrorAlert error={change.error} /> : null}
    </>
  );
}

/** Which destructive actions need a second admin; admins change it, recorded with their name. */
export function ApprovalPolicies() {
  const trpc = useTRPC();
  const policies = useQuery(trpc.approvals.policies.queryOptions());
  return (
    <section aria-labelledby="policies-heading">
      <h2 id="policies-heading" className="mb-2 text-lg font-semibold">
        Which actions need a second admin
      </h2>
      {policies.isPending ? (
        <LoadingState />
      ) : policies.isError ? (
        <ErrorState error={policies.error} />
      ) : (
        <ul className="flex max-w-4xl flex-col gap-2">
          {policies.data.map((policy) => (
            <PolicyRow key={policy.kind} policy={policy} />
          ))}
        </ul>
      )}
    </section>
  );
}
