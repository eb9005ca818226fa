import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrtEpsModel } from '../lib/backends/ort-node';
import type { EpsModel } from '../lib/diffusion/types';
import { tinyEpsModel } from '../lib/onnx/test-models';
import { tensor } from '../lib/tensor';
import { testGraph } from '../nodes/testing';
import { testServer, type TestServer } from './testing';

let s: TestServer;
let model: string;
beforeAll(async () => {
  s = testServer();
  model = (await s.caller.models.upload({ name: 'tiny.onnx', base64: Buffer.from(tinyEpsModel()).toString('base64') })).id;
});
afterAll(() => s.close());

/** The loaded prior as the ONNX Runtime model it is. */
function onnx(m: EpsModel): OrtEpsModel {
  if (!(m instanceof OrtEpsModel)) throw new Error(`${m.name} is not an ONNX Runtime model`);
  return m;
}

const image = (h: number, w: number) => tensor([3, h, w], new Float32Array(3 * h * w).fill(0.1));

describe('prior memory between runs', () => {
  it('keeps at most 2 gradient sessions per model, least recently used out, and the compile reports of all', async () => {
    const m = onnx(await s.services.priors.load(model));
    for (const side of [8, 12, 16]) await m.epsPullback(image(side, side), 5, (o) => o.eps);
    expect(m.heldSessions().map((h) => h.key)).toEqual(['vjp:12x12', 'vjp:16x16', 'forward']);
    expect(m.heldSessions().at(-1)).toMatchObject({ height: 16, width: 16 });
    expect(Object.keys(m.compileReports()).sort()).toEqual(['12x12', '16x16', '8x8']);
  });

  it('trim keeps what fits the budget, then releases gradient sessions, then whole models', async () => {
    const m = onnx(await s.services.priors.load(model));
    await s.services.priors.trim(1e12);
    expect(m.heldSessions()).toHaveLength(3);
    expect(await s.services.priors.load(model)).toBe(m);
    // a budget of a few bytes: sessions go, and the model itself (its forward session is over budget too)
    await s.services.priors.trim(1);
    expect(m.heldSessions().map((h) => h.key)).toEqual(['forward']);
    const again = onnx(await s.services.priors.load(model));
    expect(again).not.toBe(m);
    // the new instance works (compiled again on use)
    const { vjp } = await again.epsPullback(image(8, 8), 5, (o) => o.eps);
    expect(vjp.shape).toEqual([3, 8, 8]);
  });

  it('a run trims the sessions to SPGD_SESSION_CACHE_MB when it ends', async () => {
    for (const [budget, held] of [
      ['1024', ['guidance:mask:3x16x16']],
      ['0', []],
    ] as const) {
      const server = testServer({ SPGD_SESSION_CACHE_MB: budget });
      try {
        const id = (await server.caller.models.upload({ name: 'tiny.onnx', base64: Buffer.from(tinyEpsModel()).toString('base64') })).id;
        const m = onnx(await server.services.priors.load(id));
        const { runId } = await server.caller.run.start({ document: testGraph({ model: id, size: 16, steps: 2, warmup: 1 }) });
        await server.services.queue.onIdle();
        expect((await server.caller.run.get({ runId })).status).toBe('finished');
        // SPGD's guidance runs fused: one gradient session, no plain forward
        expect(m.heldSessions().map((h) => h.key)).toEqual(held);
      } finally {
        await server.close();
      }
    }
  });
});
