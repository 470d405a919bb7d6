/**
 * Runs the calls given the same key one after another (each after the previous one ended, however
 * it ended); calls of different keys run side by side. Only within this process: what several
 * console processes share (one PostgreSQL database) is not serialized by it.
 */
export function oneAtATimePerKey() {
  const last = new Map<string, Promise<unknown>>();
  return async <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const previous = last.get(key) ?? Promise.resolve();
    const mine = previous.then(run, run);
    const settled = mine.catch(() => undefined);
    last.set(key, settled);
    try {
      return await mine;
    } finally {
      if (last.get(key) === settled) last.delete(key);
    }
  };
}

export type OneAtATime = ReturnType<typeof oneAtATimePerKey>;
