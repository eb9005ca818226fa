import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng', () => {
  it('is deterministic per (seed, stream) and streams differ', () => {
    const a = new Rng(42, 'sampler').normals(1000);
    const b = new Rng(42, 'sampler').normals(1000);
    const c = new Rng(42, 'measurement').normals(1000);
    const d = new Rng(43, 'sampler').normals(1000);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(d);
  });

  it('keeps its bit stream stable (golden values guard cross-version and cross-engine changes)', () => {
    const r = new Rng(0);
    const u = [r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()];
    // Recorded from this implementation; any change to seeding or xoshiro128** breaks replay of saved runs.
    expect(u).toEqual(GOLDEN_U32);
  });

  it('draws standard normals', () => {
    const x = new Rng(7).normals(200_000);
    let m = 0;
    for (const v of x) m += v;
    m /= x.length;
    let v2 = 0;
    let k4 = 0;
    for (const v of x) {
      v2 += (v - m) ** 2;
      k4 += (v - m) ** 4;
    }
    v2 /= x.length;
    k4 /= x.length;
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v2 - 1)).toBeLessThan(0.015);
    expect(Math.abs(k4 / (v2 * v2) - 3)).toBeLessThan(0.05);
  });

  it('draws uniform integers without bias and samples without replacement', () => {
    const r = new Rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    const s = r.sampleWithoutReplacement(100, 80);
    expect(new Set(s).size).toBe(80);
    expect(Math.max(...s)).toBeLessThan(100);
  });
});

const GOLDEN_U32 = [2040553127, 2671230994, 3535833209, 446703493];
