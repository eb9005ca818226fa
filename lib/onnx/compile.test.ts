import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { OrtEpsModel, runOnnx } from '../backends/ort-node';
import { Rng } from '../rng';
import { attr } from './attrs';
import { ModelBuilder } from './builder';
import { compileVjpModel, inspectModel } from './compile';
import { UnsupportedOpError } from './errors';
import { DataType } from './proto';
import { tinyEpsModel } from './test-models';

const H = 6;
const W = 5;

function randn(n: number, seed: number): Float32Array {
  const r = new Rng(seed, 'compile-test');
  return Float32Array.from({ length: n }, () => r.normal());
}

/** <vjp, u> against (phi(x+u) - phi(x-u)) / 2 with phi = <eps(x), v>; the tiny model is linear in x. */
async function checkLinearVjp(bytes: Uint8Array, t: number | bigint, tType: 'float32' | 'int64') {
  const { bytes: vjpBytes } = compileVjpModel(bytes, { height: H, width: W });
  const n = 3 * H * W;
  const [x, v, u] = [randn(n, 1), randn(n, 2), randn(n, 3)];
  const tFeed =
    tType === 'int64'
      ? { dtype: 'int64' as const, dims: [1], data: BigInt64Array.of(BigInt(t)) }
      : { dtype: 'float32' as const, dims: [1], data: Float32Array.of(Number(t)) };
  const res = await runOnnx(vjpBytes, {
    x: { dtype: 'float32', dims: [1, 3, H, W], data: x },
    t: tFeed,
    v: { dtype: 'float32', dims: [1, 3, H, W], data: v },
  });
  const phi = async (xx: Float32Array) => {
    const r = await runOnnx(vjpBytes, { x: { dtype: 'float32', dims: [1, 3, H, W], data: xx }, t: tFeed, v: { dtype: 'float32', dims: [1, 3, H, W], data: v } });
    const e = r.eps.data as Float32Array;
    return e.reduce((s, ei, i) => s + ei * v[i], 0);
  };
  const fd = ((await phi(x.map((xi, i) => xi + u[i]))) - (await phi(x.map((xi, i) => xi - u[i])))) / 2;
  const g = res.vjp.data as Float32Array;
  const dot = g.reduce((s, gi, i) => s + gi * u[i], 0);
  return { fd, dot, res };
}

describe('compileVjpModel', () => {
  it('3-channel model: outputs eps and vjp only, and the VJP matches a finite difference', async () => {
    const { fd, dot, res } = await checkLinearVjp(tinyEpsModel(), 321.5, 'float32');
    expect(Object.keys(res).sort()).toEqual(['eps', 'vjp']);
    expect(Math.abs(fd - dot)).toBeLessThan(1e-4 * Math.abs(fd));
  });

  it('6-channel model with int64 t, renamed inputs and an output already named eps', async () => {
    const bytes = tinyEpsModel({ outChannels: 6, tType: 'int64', xName: 'image', tName: 'timesteps', outName: 'eps' });
    const { fd, dot, res } = await checkLinearVjp(bytes, 17n, 'int64');
    expect(Object.keys(res).sort()).toEqual(['eps', 'eps_extra', 'vjp']);
    expect(res.eps_extra.dims).toEqual([1, 3, H, W]);
    expect(Math.abs(fd - dot)).toBeLessThan(1e-4 * Math.abs(fd));
    const { report } = compileVjpModel(bytes, { height: H, width: W });
    expect(report.inputNames).toEqual({ x: 'image', t: 'timesteps' });
  });

  it('batch > 1 compiles and runs', async () => {
    const { bytes } = compileVjpModel(tinyEpsModel(), { height: H, width: W, batch: 2 });
    const n = 2 * 3 * H * W;
    const res = await runOnnx(bytes, {
      x: { dtype: 'float32', dims: [2, 3, H, W], data: randn(n, 4) },
      t: { dtype: 'float32', dims: [2], data: Float32Array.of(1, 900) },
      v: { dtype: 'float32', dims: [2, 3, H, W], data: randn(n, 5) },
    });
    expect(res.vjp.dims).toEqual([2, 3, H, W]);
  });

  it('refuses ops without a gradient on the x path at compile time, naming all op types and nodes at once', async () => {
    const bytes = tinyEpsModel({
      xPath: (b, h) => {
        const am = b.node('ArgMax', [h], [attr.int('axis', 1), attr.int('keepdims', 1)], ['am'], 'argmax_on_x');
        const mask = b.node('Cast', [am], [attr.int('to', DataType.FLOAT)]);
        const pooled = b.node('MaxPool', [h], [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1])], ['mp'], 'maxpool_on_x');
        return b.node('Add', [b.node('Mul', [h, mask]), pooled]);
      },
    });
    let err: unknown;
    try {
      compileVjpModel(bytes, { height: H, width: W });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect(err).toBeInstanceOf(SpgdError);
    expect((err as SpgdError).code).toBe('UNSUPPORTED_OP');
    const msg = (err as Error).message;
    expect(msg).toContain('ArgMax');
    expect(msg).toContain("'argmax_on_x'");
    expect(msg).toContain('MaxPool');
    expect(msg).toContain("'maxpool_on_x'");
    expect((err as UnsupportedOpError).offenders.map((o) => o.nodeName).sort()).toEqual(['argmax_on_x', 'maxpool_on_x']);
    // inspectModel lists the same ops without throwing, and loading the model fails up front.
    expect(inspectModel(bytes, { height: H, width: W }).nonDifferentiable.map((o) => o.opType).sort()).toEqual(['ArgMax', 'MaxPool']);
    await expect(OrtEpsModel.create(bytes)).rejects.toThrow(UnsupportedOpError);
  });

  it('accepts the same ops on the t-only path (forward-only) and differentiates the rest', async () => {
    const bytes = tinyEpsModel({
      tPath: (b, t) => {
        const t2 = b.node('Unsqueeze', [t, b.init('tax1', DataType.INT64, [1], [1])]);
        const both = b.node('Concat', [t2, b.node('Neg', [t2])], [attr.int('axis', 1)]);
        const am = b.node('ArgMax', [both], [attr.int('axis', 1), attr.int('keepdims', 0)], ['t_am'], 'argmax_on_t');
        const rounded = b.node('Round', [t], [], ['t_round'], 'round_on_t');
        return b.node('Add', [rounded, b.node('Cast', [am], [attr.int('to', DataType.FLOAT)])]);
      },
    });
    const { fd, dot } = await checkLinearVjp(bytes, 250.3, 'float32');
    expect(Math.abs(fd - dot)).toBeLessThan(1e-4 * Math.abs(fd));
    const info = inspectModel(bytes, { height: H, width: W });
    expect(info.nonDifferentiable).toEqual([]);
    expect(info.forwardOnlyNodes).toBeGreaterThanOrEqual(6);
  });

  it('shape arithmetic downstream of Shape(x) is not on the x path; inspect still lists blockers when shapes fail', () => {
    const bytes = tinyEpsModel({
      xPath: (b, h) => {
        // target = Floor(float(Shape(h))) -> int64: a Floor on shape values only
        const s = b.node('Cast', [b.node('Floor', [b.node('Cast', [b.node('Shape', [h])], [attr.int('to', DataType.FLOAT)])], [], ['fl'], 'floor_on_shape')], [
          attr.int('to', DataType.INT64),
        ]);
        const r = b.node('Reshape', [h, s]);
        const fixed = b.node('Reshape', [r, b.init('fixed', DataType.INT64, [4], [1, 3, H, W])]);
        const am = b.node('ArgMax', [fixed], [attr.int('axis', 1)], ['am'], 'argmax_on_x');
        return b.node('Mul', [fixed, b.node('Cast', [am], [attr.int('to', DataType.FLOAT)])]);
      },
    });
    const ok = inspectModel(bytes, { height: H, width: W });
    expect(ok.nonDifferentiable.map((o) => o.nodeName)).toEqual(['argmax_on_x']);
    // At another size the static Reshape cannot be satisfied: shapes fail, the op check still runs.
    const other = inspectModel(bytes, { height: 8, width: 8 });
    expect(other.problems[0]).toMatch(/cannot infer static shapes/);
    expect(other.nonDifferentiable.map((o) => o.nodeName)).toEqual(['argmax_on_x']);
  });

  it('rejects models that are not epsilon networks with BAD_MODEL naming the problem', () => {
    const bad = (bytes: Uint8Array, re: RegExp) => {
      try {
        compileVjpModel(bytes, { height: H, width: W });
      } catch (e) {
        expect((e as SpgdError).code).toBe('BAD_MODEL');
        expect((e as Error).message).toMatch(re);
        return;
      }
      throw new Error('expected BAD_MODEL');
    };
    bad(tinyEpsModel({ xChannels: 4 }), /must have 3 channels/);
    bad(tinyEpsModel({ outChannels: 4 }), /has 4 channels/);
    bad(tinyEpsModel({ opset: 12 }), /opset 12/);
    const custom = (inputs: [string, number, (string | number)[]][]) => {
      const b = new ModelBuilder();
      for (const [n, dt, s] of inputs) b.input(n, dt, s);
      b.node('Identity', [inputs[0][0]], [], ['y']);
      b.output('y', DataType.FLOAT, ['N', 3, 'H', 'W']);
      return b.build();
    };
    bad(custom([['x', DataType.FLOAT, ['N', 3, 'H', 'W']]]), /takes 2 inputs .* this model takes 1: x \[N, 3, H, W\]/);
    bad(custom([['x', DataType.FLOAT, ['N', 3, 'H', 'W']], ['t', DataType.FLOAT, ['N', 1]]]), /timestep input 't' must be a vector/);
    bad(custom([['x', DataType.FLOAT, ['N', 3, 'H', 'W']], ['t', DataType.INT32, ['N']]]), /must be float32 or int64, not int32/);
    bad(custom([['x', DataType.DOUBLE, ['N', 3, 'H', 'W']], ['t', DataType.FLOAT, ['N']]]), /must be float32, not float64/);
  });

  it('rejects a bad size', () => {
    expect(() => compileVjpModel(tinyEpsModel(), { height: 0, width: 4 })).toThrow(/height must be a positive integer/);
  });
});
