import { describe, expect, it } from 'vitest';
import { isForQueryThreads, MAIN_LANE, newLaneShare, pickLane, THREAD_BACKLOG } from './routing';

describe('which requests a query thread answers', () => {
  it.each([
    { method: 'GET', url: '/api/trpc/vms.list?input=%7B%7D', threadable: true },
    { method: 'GET', url: '/api/trpc/vms.list', threadable: true },
    { method: 'GET', url: '/api/trpc/vms.list,vms.count?batch=1&input=%7B%7D', threadable: true },
    { method: 'GET', url: '/api/trpc/vms.list%2Cvms.count?batch=1', threadable: true },
    { method: 'GET', url: '/api/trpc/restorePoints.list,protection.vms?batch=1', threadable: true },
    // The VM list asks for its page, its count and whose facts may be out of date at once.
    { method: 'GET', url: '/api/trpc/vms.list,vms.count,hosts.staleFacts?batch=1', threadable: true },
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
  // `credit`: what the main thread is owed before the request (pickLane adds one, an answer on the
  // main thread takes 2n + 1); `after`: what it is owed after it.
  it.each([
    { name: 'no thread: the main thread', credit: 0, main: 3, loads: [], lane: MAIN_LANE, after: 0 },
    {
      name: 'alone (nothing in flight): the main thread',
      credit: 0,
      main: 0,
      loads: [0],
      lane: MAIN_LANE,
      after: -2,
    },
    {
      name: 'alone, two threads: the main thread',
      credit: 1,
      main: 0,
      loads: [0, 0],
      lane: MAIN_LANE,
      after: -3,
    },
    {
      name: 'alone, owed nothing: no debt past one answer',
      credit: -3,
      main: 0,
      loads: [0],
      lane: MAIN_LANE,
      after: -3,
    },
    { name: 'beside one on the main thread: the thread', credit: 0, main: 1, loads: [0], lane: 0, after: 1 },
    { name: 'beside one on the thread: the thread', credit: 1, main: 0, loads: [1], lane: 0, after: 2 },
    {
      name: 'overlapping, owed one: the main thread',
      credit: 2,
      main: 0,
      loads: [2],
      lane: MAIN_LANE,
      after: 0,
    },
    { name: 'overlapping, in debt: the thread', credit: -3, main: 0, loads: [2], lane: 0, after: -2 },
    { name: 'two threads: the least loaded', credit: 0, main: 1, loads: [4, 2], lane: 1, after: 1 },
    { name: 'two threads, a tie: the first', credit: 0, main: 1, loads: [3, 3], lane: 0, after: 1 },
    {
      name: 'two threads, owed one (one in five)',
      credit: 4,
      main: 1,
      loads: [1, 1],
      lane: MAIN_LANE,
      after: 0,
    },
    {
      name: 'every thread backed up: the main thread',
      credit: 0,
      main: 0,
      loads: [THREAD_BACKLOG, THREAD_BACKLOG + 3],
      lane: MAIN_LANE,
      after: -4,
    },
    {
      name: 'one thread backed up, another not',
      credit: 0,
      main: 0,
      loads: [THREAD_BACKLOG, 1],
      lane: 1,
      after: 1,
    },
  ])('$name', ({ credit, main, loads, lane, after }) => {
    const share = { mainCredit: credit };
    expect(pickLane(share, main, loads)).toBe(lane);
    expect(share.mainCredit).toBe(after);
  });

  it('gives the main thread one overlapping request in three with one thread', () => {
    const share = newLaneShare();
    const lanes = Array.from({ length: 300 }, () => pickLane(share, 1, [1]));
    expect(lanes.filter((lane) => lane === MAIN_LANE)).toHaveLength(100);
  });

  it('counts the requests it answered alone in its share when requests come in bursts', () => {
    // Under load, the first request of a burst often finds nothing in flight: it is the main
    // thread's, and the ones it is owed later wait until it has answered no more than its share.
    const share = newLaneShare();
    const lanes: number[] = [];
    for (let burst = 0; burst < 100; burst++) {
      for (let i = 0; i < 6; i++) lanes.push(pickLane(share, 0, [i === 0 ? 0 : 1]));
    }
    expect(lanes.filter((lane) => lane === MAIN_LANE)).toHaveLength(200);
  });

  it('answers a run of lone requests on the main thread, then takes its share when they overlap', () => {
    const share = newLaneShare();
    const alone = Array.from({ length: 50 }, () => pickLane(share, 0, [0]));
    expect(alone.every((lane) => lane === MAIN_LANE)).toBe(true);
    const overlapping = Array.from({ length: 30 }, () => pickLane(share, 1, [1]));
    expect(overlapping.filter((lane) => lane === MAIN_LANE)).toHaveLength(9);
  });
});
