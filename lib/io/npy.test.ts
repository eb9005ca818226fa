import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { Rng } from '../rng';
import { encodeNpy, parseNpy } from './npy';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../tests/fixtures/metrics/${name}`, import.meta.url))));

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);


const expected = JSON.parse(new TextDecoder().decode(fixture('npy/expected.json'))) as {
  good: Record<string, { shape: number[]; dtype: string; values: number[] }>;
  bad: string[];
};

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpgdError);
    expect((err as SpgdError).code).toBe('BAD_INPUT');
    return (err as SpgdError).message;
  }
  throw new Error('expected an error');
}

describe('parseNpy', () => {
  it.each(Object.keys(expected.good))('reads %s as written by NumPy', (name) => {
    const e = expected.good[name];
    const arr = parseNpy(fixture(`npy/${name}`));
    expect(arr.shape).toEqual(e.shape);
    expect(arr.dtype).toBe(e.dtype);
    expect(Array.from(arr.data)).toEqual(e.values);
  });

  it('reads the float32 metric fixtures', () => {
    const ref = parseNpy(fixture('ref.npy'));
    expect(ref.shape).toEqual([3, 40, 48]);
    expect(Math.min(...ref.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...ref.data)).toBeLessThanOrEqual(1);
  });

  it.each([
    ['fortran.npy', /Fortran order/],
    ['bigendian.npy', /dtype '>f4' is not supported \(big-endian/],
    ['complex.npy', /dtype '<c8' is not supported; supported: <f4, <f8, <i4, \|u1, \|b1/],
    ['structured.npy', /structured \(record\) dtype/],
    ['f2.npy', /dtype '<f2' is not supported/],
  ])('rejects %s with a clear message', (name, pattern) => {
    expect(expected.bad).toContain(name);
    expect(messageOf(() => parseNpy(fixture(`npy/${name}`)))).toMatch(pattern);
  });

  it('rejects bad magic, truncated data and trailing bytes', () => {
    expect(messageOf(() => parseNpy(new TextEncoder().encode('PK\x03\x04 not npy')))).toMatch(/not a \.npy file/);
    const f4 = fixture('npy/f4.npy');
    expect(messageOf(() => parseNpy(f4.subarray(0, f4.length - 1)))).toBe(
      '.npy data is truncated: shape (2, 3, 4) of <f4 needs 96 bytes, the file has 95',
    );
    expect(messageOf(() => parseNpy(f4.subarray(0, 40)))).toMatch(/truncated: its header claims/);
    const longer = new Uint8Array(f4.length + 3);
    longer.set(f4);
    expect(messageOf(() => parseNpy(longer))).toMatch(/3 unexpected bytes after the data/);
    const v9 = f4.slice();
    v9[6] = 9;
    expect(messageOf(() => parseNpy(v9))).toMatch(/format version 9\.0 is not supported/);
  });
});

describe('encodeNpy', () => {
  it.each(['f4.npy', 'f4_1d.npy', 'scalar.npy', 'empty.npy', '../ref.npy'])(
    'writes the same bytes as np.save for %s',
    (name) => {
      const original = fixture(`npy/${name}`);
      const { shape, data } = parseNpy(original);
      expect(Array.from(encodeNpy(shape, data))).toEqual(Array.from(original));
    },
  );

  it('round-trips random arrays, aligns the data to 64 bytes', () => {
    const rng = new Rng(11, 'npy');
    for (const shape of [[], [0], [1], [7], [3, 5], [2, 3, 4, 5], [1, 3, 256, 256]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = rng.normals(n);
      if (n > 0) data[0] = -0; // the sign of zero must survive
      const bytes = encodeNpy(shape, data);
      const headerEnd = 10 + new DataView(bytes.buffer).getUint16(8, true);
      expect(headerEnd % 64).toBe(0);
      expect(bytes[headerEnd - 1]).toBe(0x0a);
      const back = parseNpy(bytes);
      expect(back.shape).toEqual(shape);
      expect(back.dtype).toBe('<f4');
      expect(bytesEqual(new Uint8Array(back.data.buffer), new Uint8Array(data.buffer))).toBe(true);
    }
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy([2, 3], new Float32Array(5))).toThrow(RangeError);
    expect(() => encodeNpy([-1], new Float32Array(0))).toThrow(RangeError);
  });
});
