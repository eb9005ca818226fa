import { describe, expect, it } from 'vitest';
import { testGraph } from '../../nodes/testing';
import { runQueueSuite } from '../../server/queue/run-queue.suite';
import { matching } from '../../server/testing';
import { bullTestServer } from './support';

// The shared RunQueue contract on BullMQ with a real Redis; the worker runs inside the server process.
runQueueSuite('BullMQ on Redis', () => bullTestServer(undefined, { SPGD_LOCAL_WORKER: '1' }));

describe('the work cap on BullMQ', () => {
  it('refuses a plan over the limits before it reaches Redis, with the estimate and the options; the caller owns what it queues', async () => {
    const s = bullTestServer(undefined, { SPGD_MAX_RUN_SECONDS: '30' });
    try {
      const big = testGraph({ size: 256, steps: 1000, warmup: 5, model: 'default' });
      const err = await s.callerAs({ name: 'alice', admin: false }).run.start({ document: big }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'BAD_REQUEST',
        message: matching(/estimated at \d+ s, more than this server runs \(30 s, SPGD_MAX_RUN_SECONDS\).*downscale the image to \d+ px \(it is 256x256\), or run it in the browser/),
      });
      expect((await s.caller.queue.workers()).waiting).toBe(0);
      expect((await s.caller.run.list({ limit: 5 })).items).toEqual([]);
      // within the limits: queued on Redis (no worker here), owned by its caller
      const { runId } = await s.callerAs({ name: 'alice', admin: false }).run.start({ document: testGraph({ size: 16, steps: 2, warmup: 1 }) });
      expect((await s.caller.run.get({ runId })).owner).toBe('alice');
      expect((await s.caller.queue.workers()).waiting).toBe(1);
      await s.caller.run.cancel({ runId });
    } finally {
      await s.close();
    }
  });
});
