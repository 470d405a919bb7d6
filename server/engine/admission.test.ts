import { describe, expect, it } from 'vitest';
import {
  type AdmissionCandidate,
  type AdmissionPicture,
  decideAdmission,
  decideAdmissionWithin,
  servesOperation,
  type WorkerScope,
} from './admission';
import { lockKeyForKeptSnapshot } from './plan-types';

let clock = 0;
const op = (
  operationId: string,
  fields: Partial<Omit<AdmissionCandidate, 'operationId'>> = {},
): AdmissionCandidate => ({
  operationId,
  lockKeys: [],
  hostIds: [],
  arrayIds: [],
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)),
  ...fields,
});
const limits = { perHost: 2, perArray: 1 };

describe('decideAdmission', () => {
  it.each([
    {
      name: 'a free operation is admitted',
      running: [],
      queued: [op('op_1', { lockKeys: ['vm:sql01'], hostIds: ['hv-prod-01'] })],
      admit: ['op_1'],
      waiting: {},
    },
    {
      name: 'a lock held by a running operation makes the queued one wait, saying by whom',
      running: [op('op_123', { lockKeys: ['vm:sql01'], hostIds: ['hv-prod-01'] })],
      queued: [op('op_2', { lockKeys: ['vm:sql01'], hostIds: ['hv-prod-01'] })],
      admit: [],
      waiting: { op_2: ['waits for lock vm:sql01 held by operation op_123'] },
    },
    {
      name: 'two queued operations on the same VM: the older starts, the younger waits for it',
      running: [],
      queued: [op('op_a', { lockKeys: ['vm:web01'] }), op('op_b', { lockKeys: ['vm:web01'] })],
      admit: ['op_a'],
      waiting: { op_b: ['waits for lock vm:web01 held by operation op_a'] },
    },
    {
      name: 'host limit reached',
      running: [op('op_r1', { hostIds: ['hv-prod-01'] }), op('op_r2', { hostIds: ['hv-prod-01'] })],
      queued: [
        op('op_3', { lockKeys: ['vm:x'], hostIds: ['hv-prod-01'] }),
        op('op_4', { hostIds: ['hv-prod-02'] }),
      ],
      admit: ['op_4'],
      waiting: { op_3: ['host hv-prod-01 has 2 running operations (limit 2)'] },
    },
    {
      name: 'operations admitted in the same round count against the limit',
      running: [op('op_r1', { hostIds: ['hv-1'] })],
      queued: [op('op_5', { hostIds: ['hv-1'] }), op('op_6', { hostIds: ['hv-1'] })],
      admit: ['op_5'],
      waiting: { op_6: ['host hv-1 has 2 running operations (limit 2)'] },
    },
    {
      name: 'array limit',
      running: [op('op_r1', { arrayIds: ['netapp-01'] })],
      queued: [op('op_7', { arrayIds: ['netapp-01'] })],
      admit: [],
      waiting: { op_7: ['array netapp-01 has 1 running operation (limit 1)'] },
    },
    {
      name: 'FIFO: a waiting volume revert keeps its place; a younger backup of one of its VMs waits behind it',
      running: [op('op_backup_a', { lockKeys: ['vm:a'] })],
      queued: [
        op('op_revert', { lockKeys: ['vm:a', 'vm:b', 'host-volume:d'] }),
        op('op_backup_b', { lockKeys: ['vm:b'] }),
        op('op_backup_c', { lockKeys: ['vm:c'] }),
      ],
      admit: ['op_backup_c'],
      waiting: {
        op_revert: ['waits for lock vm:a held by operation op_backup_a'],
        op_backup_b: ['waits for lock vm:b behind older queued operation op_revert'],
      },
    },
    {
      name: 'every reason is given, lock first',
      running: [
        op('op_r1', { lockKeys: ['vm:a'], hostIds: ['hv-1'], arrayIds: ['arr'] }),
        op('op_r2', { hostIds: ['hv-1'] }),
      ],
      queued: [op('op_8', { lockKeys: ['vm:a'], hostIds: ['hv-1'], arrayIds: ['arr'] })],
      admit: [],
      waiting: {
        op_8: [
          'waits for lock vm:a held by operation op_r1',
          'host hv-1 has 2 running operations (limit 2)',
          'array arr has 1 running operation (limit 1)',
        ],
      },
    },
  ])('$name', ({ running, queued, admit, waiting }) => {
    const decision = decideAdmission(queued, running, limits);
    expect(decision.admit).toEqual(admit);
    expect(Object.fromEntries(decision.waiting.map((w) => [w.operationId, w.reasons]))).toEqual(waiting);
    for (const w of decision.waiting) expect(w.reason).toBe(w.reasons[0]);
  });

  it('names the host and the array in a limit reason when their names are known; an unknown id stays', () => {
    const running = [
      op('op_r1', { hostIds: ['hv-1'], arrayIds: ['ontap:6f0c'] }),
      op('op_r2', { hostIds: ['hv-1'], arrayIds: ['eql:9'] }),
    ];
    const queued = [op('op_9', { hostIds: ['hv-1'], arrayIds: ['ontap:6f0c', 'eql:9'] })];
    const names = { hosts: new Map([['hv-1', 'hv-prod-01']]), arrays: new Map([['ontap:6f0c', 'cluster1']]) };
    expect(decideAdmission(queued, running, limits, [], names).waiting[0]?.reasons).toEqual([
      'host hv-prod-01 has 2 running operations (limit 2)',
      'array cluster1 has 1 running operation (limit 1)',
      'array eql:9 has 1 running operation (limit 1)',
    ]);
  });

  it('names what a lock locks and the operation holding it or ahead of it when known; an unknown one stays an id', () => {
    const running = [op('op_r1', { lockKeys: ['vm:6f0c', 'host-volume:hv-1-d'] })];
    const queued = [
      op('op_q1', { lockKeys: ['point:rp-7'] }),
      op('op_q2', { lockKeys: ['vm:6f0c', 'host-volume:hv-1-d', 'point:rp-7', 'vm:9'] }),
    ];
    const names = {
      locks: new Map([
        ['vm:6f0c', 'VM sql-prod-01'],
        ['host-volume:hv-1-d', 'host volume D: on hv-prod-01'],
        ['point:rp-7', 'the restore point of web-01 taken 2026-11-30 02:00 UTC'],
      ]),
      operations: new Map([
        ['op_r1', 'Back up sql-prod-01'],
        ['op_q1', 'Verify the restore point of web-01'],
      ]),
    };
    const { admit, waiting } = decideAdmission(queued, running, limits, [], names);
    expect(admit).toEqual(['op_q1']);
    expect(waiting[0]?.reasons).toEqual([
      'waits for VM sql-prod-01 held by operation "Back up sql-prod-01"',
      'waits for host volume D: on hv-prod-01 held by operation "Back up sql-prod-01"',
      'waits for the restore point of web-01 taken 2026-11-30 02:00 UTC held by operation "Verify the restore point of web-01"',
    ]);
  });

  it('serves the queue by creation time, not by array order', () => {
    const older = op('op_old', { lockKeys: ['vm:a'] });
    const younger = op('op_young', { lockKeys: ['vm:a'] });
    expect(decideAdmission([younger, older], [], limits).admit).toEqual(['op_old']);
  });

  it('ignores a queued entry that is already running', () => {
    const running = op('op_1', { lockKeys: ['vm:a'] });
    expect(decideAdmission([running], [running], limits)).toEqual({ admit: [], waiting: [] });
  });

  it('rejects a limit below 1', () => {
    expect(() => decideAdmission([], [], { perHost: 0, perArray: 2 })).toThrow(/"perHost"/);
  });
});

const worker = (
  workerId: string,
  hostIds: string[] | null,
  arrayIds: string[] | null = null,
): WorkerScope => ({
  workerId,
  hostIds,
  arrayIds,
});

describe('placement: which live workers take an operation', () => {
  /** The names the store looked up for the operations' hosts and arrays (hv-brno it could not name). */
  const STORE_NAMES = {
    hosts: new Map([['hv-prague', 'Prague HV01']]),
    arrays: new Map([['pure-1', 'Pure FlashArray 1']]),
  };
  const onPrague = op('op_p', { hostIds: ['hv-prague'], lockKeys: ['vm:p'] });
  const onBoth = op('op_b', { hostIds: ['hv-prague', 'hv-brno'], lockKeys: ['vm:b'] });
  const onArray = op('op_a', { hostIds: ['hv-prague'], arrayIds: ['pure-1'], lockKeys: ['vm:a'] });
  it.each([
    { name: 'no worker announced: no placement', workers: [], queued: [onPrague], waiting: null },
    {
      name: 'an unlabelled worker takes everything',
      workers: [worker('w', null)],
      queued: [onBoth],
      waiting: null,
    },
    {
      name: 'a worker labelled with the host takes it',
      workers: [worker('w', ['hv-prague'])],
      queued: [onPrague],
      waiting: null,
    },
    {
      name: 'nobody serves the host: it waits naming it',
      workers: [worker('w', ['hv-brno'])],
      queued: [onPrague],
      waiting: 'no worker serves host hv-prague',
    },
    {
      name: 'nobody serves the array although the host is served',
      workers: [worker('w', ['hv-prague'], ['pure-2'])],
      queued: [onArray],
      waiting: 'no worker serves array pure-1',
    },
    {
      name: 'each host has a worker, but no one worker has both',
      workers: [worker('w1', ['hv-prague']), worker('w2', ['hv-brno'])],
      queued: [onBoth],
      waiting: 'no single worker serves all of hosts hv-prague, hv-brno',
    },
    {
      name: 'two hosts nobody serves are both named',
      workers: [worker('w', ['hv-ostrava'])],
      queued: [onBoth],
      waiting: 'no worker serves hosts hv-prague, hv-brno',
    },
    {
      name: 'names the host nobody serves as the store named it',
      workers: [worker('w', ['hv-brno'])],
      queued: [onPrague],
      names: STORE_NAMES,
      waiting: 'no worker serves host Prague HV01',
    },
    {
      name: 'names the array nobody serves as the store named it',
      workers: [worker('w', ['hv-prague'], ['pure-2'])],
      queued: [onArray],
      names: STORE_NAMES,
      waiting: 'no worker serves array Pure FlashArray 1',
    },
    {
      name: 'an id the store could not name is shown as it is',
      workers: [worker('w1', ['hv-prague']), worker('w2', ['hv-brno'])],
      queued: [onBoth],
      names: STORE_NAMES,
      waiting: 'no single worker serves all of hosts Prague HV01, hv-brno',
    },
  ])('$name', ({ workers, queued, waiting, names }) => {
    const decision = decideAdmission(queued, [], limits, workers, names);
    if (waiting === null) expect(decision.admit).toEqual(queued.map((o) => o.operationId));
    else
      expect(decision.waiting).toEqual([
        { operationId: queued[0].operationId, reason: waiting, reasons: [waiting] },
      ]);
  });

  it('an unserved operation keeps its place for its locks, as any waiting one', () => {
    const older = op('op_old', { hostIds: ['hv-brno'], lockKeys: ['vm:x'] });
    const younger = op('op_young', { hostIds: ['hv-prague'], lockKeys: ['vm:x'] });
    const decision = decideAdmission([older, younger], [], limits, [worker('w', ['hv-prague'])]);
    expect(decision.admit).toEqual([]);
    expect(decision.waiting.map((w) => w.reason)).toEqual([
      'no worker serves host hv-brno',
      'waits for lock vm:x behind older queued operation op_old',
    ]);
  });

  it.each([
    [{ hostIds: null, arrayIds: null }, { hostIds: ['h'], arrayIds: ['a'] }, true],
    [{ hostIds: ['h'], arrayIds: null }, { hostIds: ['h'], arrayIds: ['a'] }, true],
    [{ hostIds: ['h'], arrayIds: [] }, { hostIds: ['h'], arrayIds: ['a'] }, false],
    [{ hostIds: ['h'], arrayIds: [] }, { hostIds: ['h'], arrayIds: [] }, true],
    [{ hostIds: ['h', 'i'], arrayIds: null }, { hostIds: ['i', 'j'], arrayIds: [] }, false],
  ])('servesOperation(%j, %j) is %s', (scope, operation, serves) => {
    expect(servesOperation(scope, operation)).toBe(serves);
  });
});

describe('decideAdmissionWithin (a batch of the queue against the picture around it)', () => {
  // A queue where locks chain, limits bite and a younger operation may pass an older one.
  const queue = [
    op('q1', { lockKeys: ['vm:a'], hostIds: ['h1'] }),
    op('q2', { lockKeys: ['vm:a', 'vm:b'], hostIds: ['h2'] }),
    op('q3', { lockKeys: ['vm:b'], hostIds: ['h3'] }),
    op('q4', { lockKeys: ['vm:c'], hostIds: ['h1'] }),
    op('q5', { lockKeys: ['vm:d'], hostIds: ['h1'] }),
    op('q6', { lockKeys: ['vm:e'], arrayIds: ['ar1'] }),
    op('q7', { lockKeys: ['vm:f'], arrayIds: ['ar1'] }),
  ];
  const running = [op('r1', { lockKeys: ['vm:x'], hostIds: ['h1'] })];

  /** The picture the whole queue gives: what a store reads by index for the batch's keys. */
  function pictureOf(batch: AdmissionCandidate[]): AdmissionPicture {
    const picture: AdmissionPicture = {
      heldBy: new Map(running.flatMap((r) => r.lockKeys.map((key) => [key, r.operationId] as const))),
      firstInLine: new Map(),
      hostLoad: new Map([['h1', 1]]),
      arrayLoad: new Map(),
    };
    for (const queued of queue)
      for (const key of queued.lockKeys)
        if (!picture.firstInLine.has(key) && batch.some((b) => b.lockKeys.includes(key)))
          picture.firstInLine.set(key, queued.operationId);
    return picture;
  }

  it.each([
    { name: 'the whole queue', batch: ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7'] },
    { name: 'the queue without its head (q1 waits elsewhere)', batch: ['q3', 'q4', 'q6'] },
    { name: 'only the tail', batch: ['q5', 'q7'] },
    { name: 'one operation behind an older one that is not in the batch', batch: ['q3'] },
  ])('$name: decided as decideAdmission decides those operations', ({ batch }) => {
    const whole = decideAdmission(queue, running, limits);
    const candidates = queue.filter((q) => batch.includes(q.operationId));
    const within = decideAdmissionWithin(candidates, pictureOf(candidates), limits);
    const { admit, waiting } = whole;
    // Only when the batch holds the whole queue do the admitted older ones count for the younger.
    if (batch.length === queue.length) {
      expect(within).toEqual({ admit, waiting });
    } else {
      for (const id of within.admit) expect(batch.includes(id)).toBe(true);
      for (const wait of within.waiting) {
        const inWhole = waiting.find((w) => w.operationId === wait.operationId);
        if (inWhole && !inWhole.reasons.some((r) => r.includes('held by operation q'))) {
          expect(wait.reasons).toEqual(inWhole.reasons);
        }
      }
    }
  });

  it('a younger operation never passes an older one waiting for the same lock, in or out of the batch', () => {
    const candidates = queue.filter((q) => q.operationId === 'q3');
    const decision = decideAdmissionWithin(candidates, pictureOf(candidates), limits);
    expect(decision).toEqual({
      admit: [],
      waiting: [
        {
          operationId: 'q3',
          reason: 'waits for lock vm:b behind older queued operation q2',
          reasons: ['waits for lock vm:b behind older queued operation q2'],
        },
      ],
    });
  });
});

describe('the lock of a snapshot kept on an array', () => {
  it('is worded without its id when the store found no point kept on it: the operation holding it says which', () => {
    const held = lockKeyForKeptSnapshot('0193f1c2-aaaa-7bbb-8ccc-ddddeeeeffff');
    const running = [op('op_first', { lockKeys: [held] })];
    const queued = [op('op_second', { lockKeys: [held] })];
    const names = { operations: new Map([['op_first', 'Delete the 2026-12-01 02:00 UTC point of web-02']]) };
    const { waiting } = decideAdmission(queued, running, limits, [], names);
    expect(waiting[0]?.reasons).toEqual([
      'waits for the snapshot kept on the array held by operation "Delete the 2026-12-01 02:00 UTC point of web-02"',
    ]);
  });
});
