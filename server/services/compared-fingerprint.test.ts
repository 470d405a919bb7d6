import { describe, expect, it } from 'vitest';
import { pinComparedFingerprint } from './compared-fingerprint';
import { isDomainError } from './errors';

/** A connection's waiting fingerprint, pinned by compare-and-set as the stores do. */
function waitingKey(waiting: string | null) {
  const state = { pinned: 'SHA256:old', waiting };
  const accept = (compared: string) =>
    pinComparedFingerprint({
      keyWord: 'SSH host key',
      waitingOn: 'hv01',
      compared,
      pinIfWaiting: async (fingerprint) => {
        if (state.waiting !== fingerprint) return false;
        Object.assign(state, { pinned: fingerprint, waiting: null });
        return true;
      },
      waitingNow: async () => state.waiting,
    });
  return { state, accept };
}

describe('accepting the fingerprint an admin compared', () => {
  it('pins it while it is the one waiting', async () => {
    const { state, accept } = waitingKey('SHA256:shown');
    await accept('SHA256:shown');
    expect(state).toEqual({ pinned: 'SHA256:shown', waiting: null });
  });

  it.each([
    [
      'another key waits now',
      'SHA256:later',
      'The SSH host key waiting on hv01 is now SHA256:later, not the one you compared: nothing was pinned. Compare it again, then accept it.',
      'Another SSH host key is waiting now',
    ],
    [
      'none waits any more',
      null,
      'No SSH host key is waiting on hv01 any more (another admin may have accepted one since you compared it): nothing was pinned. Reload to see what is trusted.',
      'No SSH host key is waiting now',
    ],
  ])('refuses when %s, naming the connection, and pins nothing', async (_, waiting, message, field) => {
    const { state, accept } = waitingKey(waiting);
    const refused = await accept('SHA256:shown').catch((error: unknown) => error);
    expect(isDomainError(refused) && [refused.code, refused.message, refused.fieldErrors]).toEqual([
      'CONFLICT',
      message,
      [{ path: 'fingerprint', message: field }],
    ]);
    expect(state).toEqual({ pinned: 'SHA256:old', waiting });
  });
});
