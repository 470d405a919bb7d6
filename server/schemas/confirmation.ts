/** The name an operator types to confirm what cannot be taken back (services/typed-confirmation.ts). */
import { z } from 'zod';

function typedNameOf(action: string) {
  return z
    .string({ error: `Type the name to confirm the ${action}` })
    .max(500, 'The confirmation is longer than 500 characters');
}

/** The name of what a delete destroys, as the operator typed it. */
export const typedConfirmation = typedNameOf('delete');

/** The name of the connection a disconnect forgets, as the admin typed it. */
export const disconnectConfirmation = typedNameOf('disconnect');
