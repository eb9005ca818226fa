import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { UnsupportedOpError } from '../onnx/errors';
import { tinyEpsModel } from '../onnx/test-models';
import { Rng } from '../rng';
import { tensor, type Tensor } from '../tensor';
import { OrtEpsModel } from './ort-node';
import type { OrtEpsModelOptions } from './ort-session';

function randImage(h: number, w: number, seed: number): Tensor {
  const r = new Rng(seed, 'ort-node-test');
  return tensor([3, h, w], Float32Array.from({ length: 3 * h * w }, () => r.normal()));
}

const dot = (a: Tensor, b: Tensor) => a.data.reduce((s, v, i) => s + v * b.data[i], 0);

describe('OrtEpsModel', () => {
  it('3-channel float-t model: eps has no variance, pullback matches <J u, v> (linear model)', async () => {
    const m = await OrtEpsModel.create(tinyEpsModel(), { name: 'tiny' });
    try {
      expect(m.name).toBe('tiny');
      expect(m.outChannels).toBe(3);
      expect(m.integerTimesteps).toBe(false);
      const z = randImage(8, 6, 1);
      const v = randImage(8, 6, 2);
      const u = randImage(8, 6, 3);
      const out = await m.eps(z, 400.5);
      expect(out.varianceLogit).toBeUndefined();
      const { vjp } = await m.epsPullback(z, 400.5, () => v);
      const zu = tensor(z.shape, z.data.map((x, i) => x + u.data[i]));
      const ju = (await m.eps(zu, 400.5)).eps; // eps(z + u) - eps(z) = J u
      const lhs = dot(tensor(ju.shape, ju.data.map((x, i) => x - out.eps.data[i])), v);
      expect(Math.abs(lhs - dot(vjp, u))).toBeLessThan(1e-4 * Math.abs(lhs));
      // fractional t is passed through unrounded
      expect((await m.eps(z, 400.5)).eps.data).not.toEqual((await m.eps(z, 400)).eps.data);
    } finally {
      await m.release();
    }
  });

  it('int64-t model: integerTimesteps, t is rounded; 6 channels give a variance output', async () => {
    const m = await OrtEpsModel.create(tinyEpsModel({ tType: 'int64', outChannels: 6 }));
    try {
      expect(m.integerTimesteps).toBe(true);
      expect(m.outChannels).toBe(6);
      const z = randImage(4, 4, 4);
      const a = await m.eps(z, 10.4);
      const b = await m.eps(z, 10);
      expect(a.eps.data).toEqual(b.eps.data);
      expect(a.varianceLogit?.shape).toEqual([3, 4, 4]);
      const r = await m.vjp(z, 10.4, randImage(4, 4, 5));
      expect(r.out.eps.data).toEqual(a.eps.data);
      expect(r.out.varianceLogit?.data).toEqual(a.varianceLogit?.data);
    } finally {
      await m.release();
    }
  });

  it('compiles one VJP model per size and reuses it', async () => {
    const m = await OrtEpsModel.create(tinyEpsModel());
    try {
      await m.epsPullback(randImage(4, 4, 1), 5, (o) => o.eps);
      await m.epsPullback(randImage(6, 4, 1), 5, (o) => o.eps);
      await m.epsPullback(randImage(4, 4, 2), 7, (o) => o.eps);
      expect(Object.keys(m.compileReports()).sort()).toEqual(['4x4', '6x4']);
      const report = await m.prepare(4, 4);
      expect(report?.backwardNodes).toBeGreaterThan(0);
    } finally {
      await m.release();
    }
  });

  it('a model whose output is named like a compiled-model value (eps) loads and differentiates', async () => {
    // Regression: inspecting the decoded model renamed its output in place, so the later VJP
    // compile could not find it.
    const m = await OrtEpsModel.create(tinyEpsModel({ outName: 'eps', xName: 'v' }));
    try {
      const { vjp } = await m.epsPullback(randImage(4, 4, 1), 5, (o) => o.eps);
      expect(vjp.shape).toEqual([3, 4, 4]);
      expect(Object.keys(m.compileReports())).toEqual(['4x4']);
    } finally {
      await m.release();
    }
  });

  it('rejects bad images and cotangents with SHAPE_MISMATCH', async () => {
    const m = await OrtEpsModel.create(tinyEpsModel());
    try {
      await expect(m.eps(tensor([1, 4, 4]), 1)).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
      await expect(m.epsPullback(randImage(4, 4, 1), 1, () => tensor([3, 4, 5]))).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    } finally {
      await m.release();
    }
  });

  it('requireVjp: false loads a non-differentiable model for eps only; epsPullback fails before running', async () => {
    const bytes = tinyEpsModel({
      xPath: (b, h) => b.node('Mul', [h, b.node('Floor', [h], [], ['fl'], 'floor_on_x')]),
    });
    await expect(OrtEpsModel.create(bytes)).rejects.toThrow(/Floor 'floor_on_x'/);
    const m = await OrtEpsModel.create(bytes, { requireVjp: false });
    try {
      expect((await m.eps(randImage(4, 4, 1), 3)).eps.shape).toEqual([3, 4, 4]);
      let called = false;
      await expect(
        m.epsPullback(randImage(4, 4, 1), 3, (o) => {
          called = true;
          return o.eps;
        }),
      ).rejects.toThrow(UnsupportedOpError);
      expect(called).toBe(false);
    } finally {
      await m.release();
    }
  });

  it('validates the model and the options at load', async () => {
    await expect(OrtEpsModel.create(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'BAD_MODEL' });
    await expect(OrtEpsModel.create(tinyEpsModel({ outChannels: 5 }))).rejects.toThrow(/has 5 channels/);
    // Options as read from an untrusted settings file: a provider name the type does not allow.
    const untrusted = JSON.parse('{ "executionProviders": ["tpu"] }') as OrtEpsModelOptions;
    await expect(OrtEpsModel.create(tinyEpsModel(), untrusted)).rejects.toBeInstanceOf(SpgdError);
  });
});
