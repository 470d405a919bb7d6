'use client';

import { fieldErrorsOf } from '@/app/_lib/trpc';
import { Alert, AlertTitle } from './ui/alert';

/**
 * An action the server refused: its message as the title and, below, each field error it named.
 * `showFieldPaths` prefixes each with the field's path, for forms where the message alone is ambiguous.
 */
export function MutationErrorAlert({
  error,
  showFieldPaths = false,
}: {
  error: { message: string };
  showFieldPaths?: boolean;
}) {
  const fieldErrors = fieldErrorsOf(error);
  return (
    <Alert tone="danger" role="alert" className="mb-4">
      <AlertTitle>{error.message}</AlertTitle>
      {fieldErrors.length > 0 ? (
        <ul className="list-disc pl-5">
          {fieldErrors.map((fieldError) => (
            <li key={`${fieldError.path}${fieldError.message}`}>
              {showFieldPaths ? `${fieldError.path}: ` : null}
              {fieldError.message}
            </li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}
