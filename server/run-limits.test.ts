import { describe, expect, it } from 'vitest';
import type { Plan, PlanStep } from '../lib/plan/types';
import type { RunLimits } from './env';
import { checkNodeCount, checkRunLimits, downscaledSide } from './run-limits';

const limits: RunLimits = { seconds: 600, memoryMB: 4096, pixels: 1024 * 1024, nodes: 500 };
const titles = (type: string) => ({ 'spgd:sampler/spgd': 'SPGD sampler', 'spgd:image/resize': 'Resize / crop image' })[type];

function step(node: string, type: string, seconds: number, memoryMB: number, size?: number): PlanStep {
  return {
    node,
    type,
    runsOn: 'server',
    key: node,
    params: {},
    inputs: {},
    outputs: [],
    estimate: { seconds, memoryMB },
    ...(size
      ? { sampler: { method: 'spgd', params: {}, seed: 0, steps: 100, nfe: { forward: 500, vjp: 500 }, height: size, width: size, model: 'default', flops: 1e9, guidance: 'fused' as const, secondsPerForward: 0.1 } }
      : {}),
  };
}

function plan(steps: PlanStep[]): Plan {
  const seconds = steps.reduce((a, s) => a + s.estimate.seconds, 0);
  const memoryMB = steps.reduce((a, s) => a + s.estimate.memoryMB, 0);
  return { hash: 'h', steps, nfe: { forward: 0, vjp: 0 }, estimate: { seconds, memoryMB }, primary: null, models: [] };
}

const refusal = (p: Plan): string => {
  try {
    checkRunLimits(p, limits, titles);
  } catch (e) {
    expect(e).toMatchObject({ code: 'RUN_TOO_LARGE' });
    return (e as Error).message;
  }
  return '';
};

describe('the work cap', () => {
  it('accepts a plan within every limit', () => {
    expect(refusal(plan([step('img', 'spgd:input/load-image', 0.01, 1), step('spgd', 'spgd:sampler/spgd', 300, 900, 256)]))).toBe('');
  });

  it('refuses a plan over the time limit, naming the costliest node and the size that would fit', () => {
    const msg = refusal(plan([step('img', 'spgd:input/load-image', 0.1, 1), step('spgd', 'spgd:sampler/spgd', 245_339, 900, 1024)]));
    expect(msg).toMatch(/estimated at 245339 s, more than this server runs \(600 s, SPGD_MAX_RUN_SECONDS\)/);
    expect(msg).toMatch(/the costliest node is 'spgd' \(SPGD sampler\) at 245339 s/);
    expect(msg).toMatch(/downscale the image to 48 px \(it is 1024x1024\), or run it in the browser/);
  });

  it('refuses a plan over the memory limit: a fan-out of data nodes gets the generic options', () => {
    const steps = [step('img', 'spgd:input/load-image', 0.1, 1), ...Array.from({ length: 30 }, (_, i) => step(`r${i}`, 'spgd:image/resize', 0.2, 192 + i))];
    const msg = refusal(plan(steps));
    expect(msg).toMatch(/need \d+ MB, more than this server gives a run \(4096 MB, SPGD_MAX_RUN_MB\)/);
    expect(msg).toMatch(/the costliest node is 'r29' \(Resize \/ crop image\) at 221 MB/);
    expect(msg).toMatch(/use smaller images, fewer nodes or fewer steps, or run it in the browser/);
  });

  it('refuses a sampler image over the pixel limit, and graphs with too many nodes', () => {
    expect(refusal(plan([step('spgd', 'spgd:sampler/spgd', 1, 1, 2048)]))).toMatch(
      /'spgd' \(SPGD sampler\) restores a 2048x2048 image \(4\.2 MP, an estimated \d+ s and \d+ MB\), more than this server runs \(1\.0 MP, SPGD_MAX_RUN_PIXELS\): downscale the image to 1024 px/,
    );
    expect(() => checkNodeCount(501, limits)).toThrow(/501 nodes, more than this server runs \(500, SPGD_MAX_RUN_NODES\)/);
    expect(() => checkNodeCount(500, limits)).not.toThrow();
  });

  it('suggests the largest side (a multiple of 8) that brings a pixel-proportional cost under the limit', () => {
    expect(downscaledSide(512, 400, 100)).toBe(240); // 512 * sqrt(0.9 / 4) = 242.9
    const side = downscaledSide(1000, 1e6, 600);
    expect((side / 1000) ** 2 * 1e6).toBeLessThan(600);
  });
});
