/**
 * Test support: the PyTorch golden fixture of tests/fixtures/onnx (see make_golden.py) and the
 * relative L2 error every gradient comparison uses. Node-only; imported by tests alone.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));

export interface GoldenManifest {
  model: string;
  t: number;
  x: { file: string; shape: number[] };
  v: { file: string; shape: number[] };
  eps: { file: string };
  eps_extra: { file: string };
  vjp: { file: string };
  parameters: number;
}

export const goldenManifest = JSON.parse(readFileSync(GOLDEN_DIR + 'manifest.json', 'utf8')) as GoldenManifest;

/** A float32 array stored raw (little-endian) in the fixture folder. */
export function loadGoldenArray(file: string | { file: string }): Float32Array {
  const b = readFileSync(GOLDEN_DIR + (typeof file === 'string' ? file : file.file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The golden UNet's ONNX bytes. */
export const goldenModel = (): Uint8Array => new Uint8Array(readFileSync(GOLDEN_DIR + goldenManifest.model));

/** Height and width of the fixture's input. */
export const [, , GOLDEN_H, GOLDEN_W] = goldenManifest.x.shape;

/** ||a - b|| / ||b||, accumulated in float64. */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}
