/**
 * A run on the `webgpu` backend (what `spgd worker --backend webgpu` and
 * SPGD_EXECUTION_PROVIDERS=webgpu,cpu run), here on SwiftShader: the backend probe passes and a
 * whole SPGD run of the shipped prior (fused guidance model) gives what the CPU gives.
 * `npm run test:webgpu` sets up SwiftShader; without it the tests are skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../lib/plan/types';
import type { Tensor } from '../../lib/tensor';
import { testGraph } from '../../nodes/testing';
import { relL2 } from '../../tests/support/golden';
import { webgpuSkipReason } from '../../tests/support/vulkan';
import { PriorRegistry } from '../priors';
import { testServer, type TestServer } from '../testing';
import { describeDevice, probeBackend, providersFor } from './backend';
import { executeRun, type RunSink } from './execute-run';
import { serverAdapters } from './runner';

const sink: RunSink = { event: () => undefined, tensor: () => undefined, savedImage: () => Promise.resolve() };

describe.skipIf(webgpuSkipReason !== '')(`the webgpu backend${webgpuSkipReason ? ` (skipped: ${webgpuSkipReason})` : ''}`, () => {
  let s: TestServer;
  beforeAll(() => {
    s = testServer();
  });
  afterAll(() => s.close());

  it('passes the probe a worker runs before it takes work', async () => {
    const { maxAbsDiff } = await probeBackend('webgpu', 1);
    expect(maxAbsDiff).toBeLessThan(1e-4);
    expect(describeDevice('webgpu')).toMatch(/SwiftShader/);
  });

  // SwiftShader compiles every shader on the CPU: minutes on a busy machine.
  it('runs an SPGD graph on the shipped prior like the CPU (fused guidance on WebGPU)', { timeout: 600_000 }, async () => {
    const r = await s.services.compile(testGraph({ model: 'default', size: 16, steps: 2, warmup: 2 }));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const plan: Plan = r.plan;
    const results: Tensor[] = [];
    for (const backend of ['webgpu', 'cpu'] as const) {
      const priors = new PriorRegistry(s.services.assets, { executionProviders: providersFor(backend), ortThreads: 1 });
      const t0 = performance.now();
      const outcome = await executeRun(plan, serverAdapters(s.services.assets, priors), sink);
      console.log(`${backend}: ${outcome.status} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      if (outcome.status !== 'finished' || !outcome.result) throw new Error(`the ${backend} run ended ${JSON.stringify(outcome)}`);
      results.push(outcome.result);
      await priors.releaseAll();
    }
    const err = relL2(results[0].data, results[1].data);
    console.log(`webgpu vs cpu, SPGD result: relative L2 ${err.toExponential(2)}`);
    // Per network call the two agree to ~1e-5 (ort-webgpu.test.ts); D = x - sigma * eps scales
    // that by sigma (up to sigma_max = 100) in the first steps, hence ~1e-3 on the result.
    expect(err).toBeLessThan(1e-2);
  });
});
