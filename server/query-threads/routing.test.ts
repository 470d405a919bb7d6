import { describe, expect, it } from 'vitest';
import { isForQueryThreads, MAIN_LANE, pickLane, THREAD_BACKLOG } from './routing';

describe('which requests a query thread answers', () => {
  it.each([
    { method: 'GET', url: '/api/trpc/vms.list?input=%7B%7D', threadable: true },
    { method: 'GET', url: '/api/trpc/vms.list', threadable: true },
    { method: 'GET', url: '/api/trpc/vms.list,vms.count?batch=1&input=%7B%7D', threadable: true },
    { method: 'GET', url: '/api/trpc/vms.list%2Cvms.count?batch=1', threadable: true },
    { method: 'GET', url: '/api/trpc/restorePoints.list,protection.vms?batch=1', threadable: true },
    // A batch with one call that is not an estate read is answered whole by the main thread.
    { method: 'GET', url: '/api/trpc/vms.list,account.me?batch=1', threadable: false },
    { method: 'GET', url: '/api/trpc/operations.events?input=%7B%7D', threadable: false },
    { method: 'GET', url: '/api/trpc/jobs.list', threadable: false },
    { method: 'GET', url: '/api/trpc/vms.plan?input=%7B%7D', threadable: false },
    { method: 'POST', url: '/api/trpc/vms.list', threadable: false },
    { method: 'POST', url: '/api/trpc/backups.start', threadable: false },
    { method: 'GET', url: '/api/trpc/', threadable: false },
    { method: 'GET', url: '/api/trpc/vms.list%E0%A4%A', threadable: false },
    { method: 'GET', url: '/api/trpc', threadable: false },
    { method: 'GET', url: '/vms', threadable: false },
    { method: undefined, url: '/api/trpc/vms.list', threadable: false },
  ])('$method $url: $threadable', ({ method, url, threadable }) => {
    expect(isForQueryThreads(method, url)).toBe(threadable);
  });
});

describe('the lane of the next request', () => {
  it.each([
    { name: 'no thread: the main thread', turn: 1, main: 3, loads: [], lane: MAIN_LANE },
    { name: 'alone (nothing in flight): the main thread', turn: 1, main: 0, loads: [0], lane: MAIN_LANE },
    { name: 'alone, two threads: the main thread', turn: 2, main: 0, loads: [0, 0], lane: MAIN_LANE },
    { name: 'beside one on the main thread: the thread', turn: 1, main: 1, loads: [0], lane: 0 },
    { name: 'beside one on the thread: the thread, in its turn', turn: 2, main: 0, loads: [1], lane: 0 },
    { name: "overlapping, the main thread's turn", turn: 3, main: 0, loads: [2], lane: MAIN_LANE },
    { name: 'two threads: the least loaded', turn: 1, main: 1, loads: [4, 2], lane: 1 },
    { name: 'two threads, a tie: the first', turn: 2, main: 1, loads: [3, 3], lane: 0 },
    {
      name: "two threads, the main thread's turn (one in five)",
      turn: 5,
      main: 1,
      loads: [1, 1],
      lane: MAIN_LANE,
    },
    {
      name: 'every thread backed up: the main thread',
      turn: 1,
      main: 0,
      loads: [THREAD_BACKLOG, THREAD_BACKLOG + 3],
      lane: MAIN_LANE,
    },
    { name: 'one thread backed up, another not', turn: 1, main: 0, loads: [THREAD_BACKLOG, 1], lane: 1 },
  ])('$name', ({ turn, main, loads, lane }) => {
    expect(pickLane(turn, main, loads)).toBe(lane);
  });

  it('gives the main thread one overlapping request in three with one thread', () => {
    const lanes = Array.from({ length: 300 }, (_, turn) => pickLane(turn, 1, [1]));
    expect(lanes.filter((lane) => lane === MAIN_LANE)).toHaveLength(100);
  });
});
