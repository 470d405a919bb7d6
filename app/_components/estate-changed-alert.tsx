'use client';

import { fieldErrorsOf } from '@/app/_lib/trpc';
import { Alert, AlertTitle } from './ui/alert';

/**
 * True when the server refused a start because the estate changed since the plan was reviewed
 * (CONFLICT naming the plan's fingerprint): the wizard then shows the new review instead of an error.
 */
export function isEstateChangedError(error: unknown): boolean {
  return fieldErrorsOf(error).some((fieldError) => fieldError.path === 'fingerprint');
}

/** Says that the review below is a new one, made from the estate as it is now. */
export function EstateChangedAlert({ what }: { what: string }) {
  return (
    <Alert tone="warning" role="alert" className="mb-4">
      <AlertTitle>The estate changed since you reviewed this plan</AlertTitle>
      <p>Nothing was started. This is the new {what}, made from the estate as it is now: check it again.</p>
    </Alert>
  );
}
