import { describe, expect, it } from 'vitest';
import { createSessionChecks } from './session-checks';

function harness(maxAgeMs = 1_000) {
  let now = 0;
  const asked: string[] = [];
  const checks = createSessionChecks<string>({ maxAgeMs, now: () => now });
  const lookUp = (token: string, answer = `found ${token}`) =>
    checks.lookUp(token, async () => {
      asked.push(token);
      return answer;
    });
  return {
    checks,
    lookUp,
    asked,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('session checks shared by the live streams of a session', () => {
  it('asks the store once for 500 questions about one session at the same moment', async () => {
    const h = harness();
    const answers = await Promise.all(Array.from({ length: 500 }, () => h.lookUp('t1')));
    expect(new Set(answers)).toEqual(new Set(['found t1']));
    expect(h.asked).toEqual(['t1']);
  });

  it('asks again once the answer is as old as the window, not before', async () => {
    const h = harness(1_000);
    await h.lookUp('t1');
    h.advance(999);
    await h.lookUp('t1');
    expect(h.asked).toEqual(['t1']);
    h.advance(1);
    await h.lookUp('t1');
    expect(h.asked).toEqual(['t1', 't1']);
  });

  it('keeps sessions apart', async () => {
    const h = harness();
    expect(await h.lookUp('t1')).toBe('found t1');
    expect(await h.lookUp('t2')).toBe('found t2');
    expect(h.asked).toEqual(['t1', 't2']);
  });

  it('asks again at once after a session or user changed in this process', async () => {
    const h = harness();
    await h.lookUp('t1');
    h.checks.noteChanged();
    expect(await h.lookUp('t1', 'revoked')).toBe('revoked');
    expect(h.asked).toEqual(['t1', 't1']);
  });

  it('does not keep a failed look-up: the next question asks again', async () => {
    const h = harness();
    const failed = h.checks.lookUp('t1', async () => {
      throw new Error('database is locked');
    });
    await expect(failed).rejects.toThrow('database is locked');
    expect(await h.lookUp('t1')).toBe('found t1');
    expect(h.asked).toEqual(['t1']);
  });

  it('shares an answer `keep` refuses only while in flight, then asks again', async () => {
    const h = harness();
    const keepFound = { keep: (answer: string) => answer !== 'nothing' };
    const ask = () =>
      h.checks.lookUp(
        't1',
        async () => {
          h.asked.push('t1');
          return 'nothing';
        },
        keepFound,
      );
    expect(await Promise.all([ask(), ask()])).toEqual(['nothing', 'nothing']);
    expect(await ask()).toBe('nothing');
    expect(h.asked).toEqual(['t1', 't1']);
  });
});

describe('changes told to listeners', () => {
  it('calls each listener once per change noted, once the answers are forgotten, until it stops', async () => {
    const h = harness();
    await h.lookUp('t1');
    const heard: number[] = [];
    const stop = h.checks.onChanged(() => {
      // A question asked from the listener goes to the store: the old answer is gone by then.
      void h.lookUp('t1');
      heard.push(h.asked.length);
    });
    h.checks.noteChanged();
    expect(heard).toEqual([2]);
    stop();
    h.checks.noteChanged();
    expect(heard).toEqual([2]);
  });
});
