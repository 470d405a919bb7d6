/**
 * The error of the action the operator ran last, or null when that one did not fail. A page with
 * several actions shares one error alert; a failed mutation keeps its error until it runs again,
 * so "the first that has an error" would show an earlier action's refusal over the current one's.
 */
export function latestMutationError<E>(
  ...mutations: readonly { submittedAt: number; error: E | null }[]
): E | null {
  let latest: { submittedAt: number; error: E | null } | null = null;
  for (const mutation of mutations) {
    if (mutation.submittedAt > 0 && (latest === null || mutation.submittedAt > latest.submittedAt))
      latest = mutation;
  }
  return latest?.error ?? null;
}
