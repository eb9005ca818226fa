/** Run events of the distributed queue in the editor's run state: a worker's label and a retry. */
import { describe, expect, it } from 'vitest';
import { IDLE_RUN, reduceRunEvent, runBackendLabel, type RunState } from './runTypes';

describe('a run on a distributed worker', () => {
  it('shows the worker that runs it, and starts over on a retry', () => {
    const trace = { step: 0, sigma: 1, t: 1, stepSize: null, residualNorm: 1, gradNorm: 1, admWeights: [], conflict: 90, fluctuationRaw: null, fluctuationAdm: null, priorStability: null, nfe: { forward: 1, vjp: 0 } };
    let s: RunState = { ...IDLE_RUN, runId: 'r1', status: 'queued' };
    s = reduceRunEvent(s, { type: 'started', nfe: { forward: 10, vjp: 0 }, estimate: { seconds: 1, memoryMB: 1 }, backend: 'w1 · cpu' }, 0);
    s = reduceRunEvent(s, { type: 'progress', node: 's', step: 3, steps: 10, nfe: { forward: 3, vjp: 0 }, elapsedMs: 300 }, 0);
    s = reduceRunEvent(s, { type: 'trace', node: 's', step: 0, trace }, 0);
    expect(s).toMatchObject({ status: 'running', backend: 'w1 · cpu' });

    s = reduceRunEvent(s, { type: 'retry', attempt: 2, maxAttempts: 3, reason: 'worker w1 (a, pid 7) stopped while running it' }, 0);
    expect(s).toMatchObject({ status: 'queued', traces: {}, note: 'attempt 2 of 3: worker w1 (a, pid 7) stopped while running it' });
    expect(s.progress).toBeUndefined();
    s = reduceRunEvent(s, { type: 'started', nfe: { forward: 10, vjp: 0 }, estimate: { seconds: 1, memoryMB: 1 }, backend: 'w2 · cuda' }, 0);
    expect(s).toMatchObject({ status: 'running', backend: 'w2 · cuda' });
  });

  it('labels a stored run by its worker, or by the backend when the server ran it', () => {
    expect(runBackendLabel({ backend: 'server', worker: { name: 'gpu-1', backend: 'cuda' } })).toBe('gpu-1 · cuda');
    expect(runBackendLabel({ backend: 'server', worker: { name: 'server', backend: 'cpu' } })).toBe('server');
    expect(runBackendLabel({ backend: 'server', worker: null })).toBe('server');
  });
});
