/**
 * Finite-difference checker for the compiled gradient graphs (test support, in the spirit of
 * onnxruntime's gradient_checker): builds a small model, compiles its gradient model, runs
 * both with onnxruntime-node, and compares every gradient element with a central finite
 * difference of the scalar projection phi(x) = sum_k <out_k(x), v_k> for random v.
 *
 * float64 graphs (where ONNX Runtime has double kernels): step 1e-5 (relative to |x|, at
 * least absolute 1e-5), tolerance 1e-6 relative L2. float32 graphs (Conv, pooling, Resize,
 * InstanceNormalization have no double CPU kernels): step 1e-2, tolerance 1e-2, or for
 * linear ops `linear: true` (step 1, exact up to rounding) with tolerance 1e-4.
 */
import { compileGradientModel } from '../onnx/compile';
import { ModelBuilder } from '../onnx/builder';
import { DataType } from '../onnx/proto';
import { Rng } from '../rng';
import { OrtSession, type HostTensor } from './ort-node';
import { lookup } from '../onnx/attrs';

export interface GradCheckInput {
  name: string;
  shape: number[];
  /** Differentiate with respect to this input (default true for float inputs). */
  diff?: boolean;
  /** 'int64' inputs need `values` and are never differentiated. */
  dtype?: 'float' | 'int64';
  values?: number[];
  /** Maps each N(0,1) sample into the op's smooth domain (e.g. away from 0 for Relu). */
  transform?: (v: number, i: number) => number;
}

export interface GradCheckSpec {
  inputs: GradCheckInput[];
  /** Builds the graph body from the input names; returns the output name(s). */
  body: (b: ModelBuilder, ...inputs: string[]) => string | string[];
  dtype?: 'float32' | 'float64';
  opset?: number;
  seed?: number;
  /** The function is linear in the differentiated inputs (float32: use step 1). */
  linear?: boolean;
  step?: number;
  tol?: number;
  /** Test hook: scales the compiled gradient before comparing (a wrong gradient must fail). */
  corrupt?: number;
}

export interface GradCheckResult {
  /** Relative L2 error per differentiated input. */
  errors: Record<string, number>;
  maxError: number;
  tol: number;
  /** Number of gradient elements checked. */
  checked: number;
}

function hostFloat(dtype: 'float32' | 'float64', dims: number[], values: ArrayLike<number>): HostTensor {
  return dtype === 'float64'
    ? { dtype, dims, data: Float64Array.from(values) }
    : { dtype, dims, data: Float32Array.from(values) };
}

function numel(s: readonly number[]): number {
  return s.reduce((p, d) => p * d, 1);
}

/** Runs the finite-difference check; see the module comment for steps and tolerances. */
export async function gradCheck(spec: GradCheckSpec): Promise<GradCheckResult> {
  const dtype = spec.dtype ?? 'float64';
  const elem = dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  const rng = new Rng(spec.seed ?? 1234, 'gradcheck');
  const b = new ModelBuilder(spec.opset ?? 17);
  const names = spec.inputs.map((inp) => b.input(inp.name, inp.dtype === 'int64' ? DataType.INT64 : elem, inp.shape));
  const outs = [spec.body(b, ...names)].flat();
  for (const o of outs) b.output(o, elem);
  const fwdBytes = b.build();

  const wrt = spec.inputs.filter((i) => i.dtype !== 'int64' && i.diff !== false).map((i) => i.name);
  const inputShapes = Object.fromEntries(spec.inputs.map((i) => [i.name, i.shape]));
  const gm = compileGradientModel(fwdBytes, { inputShapes, wrt });

  const values = new Map<string, number[]>();
  const feeds: Record<string, HostTensor> = {};
  for (const inp of spec.inputs) {
    if (inp.dtype === 'int64') {
      if (!inp.values) throw new Error(`int64 input '${inp.name}' needs its values`);
      feeds[inp.name] = { dtype: 'int64', dims: inp.shape, data: BigInt64Array.from(inp.values, (v) => BigInt(v)) };
      continue;
    }
    const v = inp.values ?? Array.from({ length: numel(inp.shape) }, (_, i) => (inp.transform ?? ((s) => s))(rng.normal(), i));
    values.set(inp.name, v);
    feeds[inp.name] = hostFloat(dtype, inp.shape, v);
  }

  const fwd = await OrtSession.create(fwdBytes);
  const gradSession = await OrtSession.create(gm.bytes);
  try {
    const base = await fwd.run(feeds);
    const cots = new Map<string, number[]>();
    const gFeeds: Record<string, HostTensor> = { ...feeds };
    for (const o of outs) {
      const n = base[o].data.length;
      const v = Array.from({ length: n }, () => rng.normal());
      cots.set(o, v);
      gFeeds[gm.cotangents[o]] = hostFloat(dtype, base[o].dims, v);
    }
    const gres = await gradSession.run(gFeeds);
    const phi = async (f: Record<string, HostTensor>): Promise<number> => {
      const r = await fwd.run(f);
      let s = 0;
      for (const o of outs) {
        const d = r[o].data as Float32Array | Float64Array;
        const v = lookup(cots, o, 'cotangents');
        for (let i = 0; i < d.length; i++) s += d[i] * v[i];
      }
      return s;
    };
    const errors: Record<string, number> = {};
    let checked = 0;
    for (const w of wrt) {
      const x = lookup(values, w, 'input values');
      const shape = feeds[w].dims;
      const grad = Array.from(gres[gm.grads[w]].data as Float32Array | Float64Array, (g) => g * (spec.corrupt ?? 1));
      const fd = new Array<number>(x.length);
      for (let i = 0; i < x.length; i++) {
        const h = spec.step ?? (dtype === 'float64' ? 1e-5 * Math.max(1, Math.abs(x[i])) : spec.linear ? 1 : 1e-2);
        const xp = [...x];
        const xm = [...x];
        xp[i] += h;
        xm[i] -= h;
        const fp = await phi({ ...feeds, [w]: hostFloat(dtype, shape, xp) });
        const fm = await phi({ ...feeds, [w]: hostFloat(dtype, shape, xm) });
        // The step actually applied (float32 rounding of x +- h).
        const hp = dtype === 'float32' ? Math.fround(xp[i]) - Math.fround(xm[i]) : xp[i] - xm[i];
        fd[i] = (fp - fm) / hp;
      }
      let num = 0;
      let den = 0;
      for (let i = 0; i < x.length; i++) {
        num += (grad[i] - fd[i]) ** 2;
        den += fd[i] ** 2;
      }
      errors[w] = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
      checked += x.length;
    }
    const tol = spec.tol ?? (dtype === 'float64' ? 1e-6 : spec.linear ? 1e-4 : 1e-2);
    if (process.env.GRADCHECK_VERBOSE) console.log(`gradCheck ${dtype}: errors ${JSON.stringify(errors)} tol ${tol}`);
    return { errors, maxError: Math.max(...Object.values(errors)), tol, checked };
  } finally {
    await fwd.release();
    await gradSession.release();
  }
}
