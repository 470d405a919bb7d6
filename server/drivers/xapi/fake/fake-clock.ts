/**
 * Time for the fake pool, moved only by the test: `sleep` resolves when `advance` passes its end.
 * `sleeping()` resolves once someone sleeps, so a test waits for the pool to reach a delay (the
 * 5 s after a failed login) without polling.
 */
export interface FakeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class ManualClock implements FakeClock {
  private at = Date.UTC(2026, 10, 24, 2, 0, 0);
  private sleepers: { until: number; wake: () => void; ms: number }[] = [];
  private watchers: ((ms: number) => void)[] = [];

  now(): number {
    return this.at;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.sleepers.push({ until: this.at + ms, wake, ms });
      for (const watcher of this.watchers.splice(0)) watcher(ms);
    });
  }

  /** Resolves with the duration of the next sleep (or of one already pending). */
  sleeping(): Promise<number> {
    const pending = this.sleepers[0];
    if (pending) return Promise.resolve(pending.ms);
    return new Promise((resolve) => this.watchers.push(resolve));
  }

  advance(ms: number): void {
    this.at += ms;
    const due = this.sleepers.filter((sleeper) => sleeper.until <= this.at);
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.until > this.at);
    for (const sleeper of due) sleeper.wake();
  }
}

/** Real time, for fakes started outside tests (a developer pointing the console at a fake pool). */
export const realClock: FakeClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
