/** The workers' stream entries survive the trip through Redis's flat field lists, tensors bit for bit. */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../lib/plan/types';
import { tensor } from '../../../lib/tensor';
import { decodeEntry, encodeEntry, type StreamEntry } from './protocol';
import { assetIds } from './queue';

/** What XREAD hands back for an XADD of `fields`: every value as a buffer. */
const viaRedis = (fields: (string | Buffer)[]) => fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : Buffer.from(f.subarray())));

const worker = { id: 'w1@h:1', name: 'w1', host: 'h', pid: 1, backend: 'cpu' };
const t = tensor([3, 2, 2], Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5));

describe('stream entries', () => {
  it.each<StreamEntry>([
    { kind: 'start', runId: 'r', attempt: 2, worker },
    { kind: 'event', runId: 'r', attempt: 1, event: { type: 'progress', node: 's', step: 3, steps: 10, nfe: { forward: 3, vjp: 3 }, elapsedMs: 12.5 } },
    { kind: 'tensor', runId: 'r', attempt: 1, tensor: { node: 's', port: 'g', step: 4, kind: 'signed', tensor: t } },
    // A K-sample sampler's uncertainty map and its probe.
    { kind: 'tensor', runId: 'r', attempt: 1, tensor: { node: 's', port: 'uncertainty', kind: 'heat', tensor: t } },
    {
      kind: 'event',
      runId: 'r',
      attempt: 1,
      event: { type: 'probe', node: 's', port: 'uncertainty', shape: [3, 2, 2], dtype: 'float32', stats: { min: 0, max: 0.3, mean: 0.1, std: 0.05, nanCount: 0, infCount: 0 }, kind: 'heat' },
    },
    { kind: 'event', runId: 'r', attempt: 1, event: { type: 'probe', node: 'm', port: 'metrics', shape: [], dtype: null, stats: null, kind: null, summary: 'PSNR 24.1 dB' } },
    { kind: 'image', runId: 'r', attempt: 1, node: 'save', filename: 'out.png', image: t },
    { kind: 'end', runId: 'r', attempt: 1, outcome: { status: 'finished', event: { type: 'finished', metrics: { residual: 1, psnr: 20, noiseFloor: 0.8 }, seconds: 2, nfe: { forward: 4, vjp: 4 } }, result: t } },
    { kind: 'end', runId: 'r', attempt: 1, outcome: { status: 'finished', event: { type: 'finished', metrics: { residual: null }, seconds: 2, nfe: { forward: 0, vjp: 0 } }, result: null } },
    { kind: 'end', runId: 'r', attempt: 3, outcome: { status: 'failed', error: { node: 's', code: 'DIVERGED', message: 'diverged' } } },
    { kind: 'end', runId: 'r', attempt: 1, outcome: { status: 'cancelled' } },
  ])('$kind round-trips', (e) => {
    const back = decodeEntry(viaRedis(encodeEntry(e)));
    expect(back).toEqual(e);
  });

  it('copies tensor bytes out of a reply at any offset, and refuses a wrong length or a malformed entry', () => {
    const fields = viaRedis(encodeEntry({ kind: 'tensor', runId: 'r', attempt: 1, tensor: { node: 'n', port: 'p', kind: 'image', tensor: t } }));
    const i = fields.findIndex((f) => f.toString() === 'd') + 1;
    const odd = Buffer.alloc(fields[i].length + 1);
    fields[i].copy(odd, 1);
    fields[i] = odd.subarray(1); // an unaligned view, as inside a larger reply
    const back = decodeEntry(fields);
    expect(back.kind === 'tensor' && Array.from(back.tensor.tensor.data)).toEqual(Array.from(t.data));
    fields[i] = fields[i].subarray(4);
    expect(() => decodeEntry(fields)).toThrow(/has 44 bytes/);
    expect(() => decodeEntry(viaRedis(['r', 'x', 'a', 'one', 'k', 'event', 'm', '{}']))).toThrow(/malformed stream entry/);
  });
});

describe('assetIds', () => {
  it('lists the images and models a plan names, without naming node types', () => {
    const step = (params: Record<string, unknown>) => ({ node: 'n', type: 't', runsOn: 'server' as const, key: 'k', params, inputs: {}, outputs: [], estimate: { seconds: 0, memoryMB: 0 } });
    const plan: Plan = {
      hash: 'h',
      steps: [step({ source: 'sample:astronaut', size: 64 }), step({ source: `sha256:${'a'.repeat(64)}` }), step({ options: { mask: `sha256:${'b'.repeat(64)}` }, seed: 1 })],
      nfe: { forward: 0, vjp: 0 },
      estimate: { seconds: 0, memoryMB: 0 },
      primary: null,
      models: ['default', 'gaussian'],
    };
    expect(assetIds(plan).sort()).toEqual(['default', 'sample:astronaut', `sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`].sort());
  });
});
