import { describe, expect, it } from 'vitest';
import { HeldNotes } from './held-notes';

const at = (ms: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, 0, ms));

function recorder() {
  const written: string[] = [];
  const notes = new HeldNotes({
    log: (level, message, when) => written.push(`log ${level} ${message} @${when.getUTCMilliseconds()}`),
    progress: (bytesDone, when, bytesTotal) =>
      written.push(`progress ${bytesDone}/${bytesTotal ?? '?'} @${when.getUTCMilliseconds()}`),
  });
  return { notes, written };
}

describe('HeldNotes', () => {
  it('keeps every log line and only the last progress, and hands them to the completion once', () => {
    const { notes, written } = recorder();
    notes.log('info', 'copying', at(1));
    notes.reportProgress(10, at(2), 100);
    notes.reportProgress(60, at(3), 100);
    notes.log('warn', 'slow', at(4));
    expect(notes.take()).toEqual({
      logs: [
        { level: 'info', message: 'copying', at: at(1) },
        { level: 'warn', message: 'slow', at: at(4) },
      ],
      progress: { bytesDone: 60, bytesTotal: 100, at: at(3) },
    });
    expect(notes.take()).toEqual({ logs: [], progress: null });
    expect(written).toEqual([]);
  });

  it.each([
    { name: 'nothing held writes nothing', report: () => {}, expected: [] },
    {
      name: 'a step still running past the interval has what it held written on its own',
      report: (notes: HeldNotes) => {
        notes.log('info', 'copying', at(1));
        notes.reportProgress(5, at(2));
      },
      expected: ['progress 5/? @2', 'log info copying @1'],
    },
  ])('flush: $name', ({ report, expected }) => {
    const { notes, written } = recorder();
    report(notes);
    notes.flush();
    expect(written).toEqual(expected);
    // Written once: the completion then carries nothing.
    expect(notes.take()).toEqual({ logs: [], progress: null });
  });
});
