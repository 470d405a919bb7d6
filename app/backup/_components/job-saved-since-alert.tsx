'use client';

import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { fieldErrorsOf } from '@/app/_lib/trpc';

/**
 * True when the server refused an edit because someone saved the job since the wizard loaded it
 * (CONFLICT naming `loadedUpdatedAt`): the wizard then says so and keeps the operator's edits,
 * instead of showing a generic error.
 */
export function isJobSavedSinceError(error: unknown): boolean {
  return fieldErrorsOf(error).some((fieldError) => fieldError.path === 'loadedUpdatedAt');
}

/**
 * The server's words for it, that the operator's edits are still here, and the job as it is now
 * in a new tab: opening it here would load the newer job into this wizard in place of the edits.
 */
export function JobSavedSinceAlert({ error, jobId }: { error: { message: string }; jobId: string }) {
  return (
    <Alert tone="danger" role="alert" className="mb-4" aria-labelledby="job-saved-since-title">
      <AlertTitle id="job-saved-since-title">{error.message}.</AlertTitle>
      <p className="mt-1">
        Your changes are still here, in every step of this wizard, until you leave this page. Compare them
        with the job as it is now, then edit it again from there.
      </p>
      <p className="mt-2">
        <a
          href={`/jobs/${encodeURIComponent(jobId)}`}
          target="_blank"
          rel="noopener"
          className="font-medium underline underline-offset-2 hover:decoration-2"
        >
          Open the job as it is now (new tab)
        </a>
      </p>
    </Alert>
  );
}
