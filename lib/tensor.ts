/**
 * Dense float32 tensors: a flat row-major `Float32Array` plus a shape.
 *
 * Images inside the engine are `[C, H, W]` (one image, channels first) in the range [-1, 1]
 * (see docs: spgd-algorithm.md section 1). Networks see `[1, C, H, W]`; the backends add and
 * drop the batch axis.
 */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Number of elements a shape holds. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: readonly number[], data?: Float32Array | ArrayLike<number>): Tensor {
  const n = numel(shape);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`invalid tensor shape [${shape.join(', ')}]`);
  }
  if (data === undefined) return { shape: [...shape], data: new Float32Array(n) };
  if (data.length !== n) {
    throw new RangeError(`tensor data has ${data.length} elements, shape [${shape.join(', ')}] needs ${n}`);
  }
  return { shape: [...shape], data: data instanceof Float32Array ? data : Float32Array.from(data) };
}

export const zeros = (shape: readonly number[]): Tensor => tensor(shape);

export function zerosLike(t: Tensor): Tensor {
  return tensor(t.shape);
}

export function clone(t: Tensor): Tensor {
  return { shape: [...t.shape], data: t.data.slice() };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertShape(t: Tensor, shape: readonly number[], what = 'tensor'): void {
  if (!sameShape(t.shape, shape)) {
    throw new RangeError(`${what} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
}

function assertSame(a: Tensor, b: Tensor, op: string): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new RangeError(`${op}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
}

/** a + b, elementwise. */
export function add(a: Tensor, b: Tensor): Tensor {
  assertSame(a, b, 'add');
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return { shape: [...a.shape], data: out };
}

/** a - b, elementwise. */
export function sub(a: Tensor, b: Tensor): Tensor {
  assertSame(a, b, 'sub');
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] - b.data[i];
  return { shape: [...a.shape], data: out };
}

/** s * a. */
export function scale(a: Tensor, s: number): Tensor {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = s * a.data[i];
  return { shape: [...a.shape], data: out };
}

/** alpha * a + beta * b (computed in float64 per element, stored as float32). */
export function axpby(alpha: number, a: Tensor, beta: number, b: Tensor): Tensor {
  assertSame(a, b, 'axpby');
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = alpha * a.data[i] + beta * b.data[i];
  return { shape: [...a.shape], data: out };
}

/** <a, b> accumulated in float64. */
export function dot(a: Tensor, b: Tensor): number {
  assertSame(a, b, 'dot');
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
  return s;
}

export function norm(a: Tensor): number {
  return Math.sqrt(dot(a, a));
}

export function clip(a: Tensor, lo: number, hi: number): Tensor {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(hi, Math.max(lo, a.data[i]));
  return { shape: [...a.shape], data: out };
}

/** True when every element is finite (no NaN, no Inf). */
export function allFinite(a: Tensor): boolean {
  const d = a.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  return true;
}

export interface TensorStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  nanCount: number;
  infCount: number;
}

/** Summary statistics over the finite elements. */
export function stats(a: Tensor): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  let nanCount = 0;
  let infCount = 0;
  for (const v of a.data) {
    if (Number.isNaN(v)) nanCount++;
    else if (!Number.isFinite(v)) infCount++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  const mean = n ? sum / n : NaN;
  const std = n ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : NaN;
  return { min, max, mean, std, nanCount, infCount };
}
