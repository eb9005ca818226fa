import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePng } from '../../lib/image/codec';
import { encodeNpy, parseNpy } from '../../lib/io/npy';
import { GOLDEN_DIR, goldenManifest, loadGoldenArray, relL2 } from '../../tests/support/golden';

const BIN = join(__dirname, '..', 'spgd.mjs');
let dir: string;

function spgd(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A smooth synthetic RGB image (no licence questions) of the given size. */
function writeTestImage(name: string, w: number, h: number) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      data[i] = 128 + 100 * Math.sin(x / 5);
      data[i + 1] = 128 + 100 * Math.cos(y / 7);
      data[i + 2] = (x * 255) / w;
    }
  writeFileSync(join(dir, name), encodePng({ width: w, height: h, data }));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spgd-cli-'));
  writeTestImage('gt.png', 64, 48);
  writeTestImage('tiny.png', 16, 16);
  mkdirSync(join(dir, 'set'));
  for (const name of ['c.png', 'a.png', 'b.png']) writeTestImage(join('set', name), 48, 48);
  writeFileSync(join(dir, 'corrupt.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]));
});

describe('spgd command line', () => {
  it('degrades with a stored mask, then restores from the measurement and mask', () => {
    const d = spgd('degrade', '--task', 'inpaint-random', '--input', 'gt.png', '--out', 'y.npy', '--mask-out', 'm.npy', '--seed', '3');
    expect(d.code, d.stderr).toBe(0);
    const y = parseNpy(new Uint8Array(readFileSync(join(dir, 'y.npy'))));
    const m = parseNpy(new Uint8Array(readFileSync(join(dir, 'm.npy'))));
    expect(y.shape).toEqual([3, 48, 64]);
    expect(m.shape).toEqual([48, 64]);
    const observed = m.data.reduce((s, v) => s + v, 0);
    expect(observed).toBe(48 * 64 - Math.floor(48 * 64 * 0.8));

    const r = spgd('restore', '--task', 'inpaint-random', '--measurement', 'y.npy', '--mask', 'm.npy', '--out', 'x.png', '--set', 'steps=10', '--prior', 'gaussian', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { nfe: number; psnr: number | null };
    expect(out.nfe).toBe(50);
    expect(out.psnr).toBeNull();
    const img = decodeImage(new Uint8Array(readFileSync(join(dir, 'x.png'))));
    expect([img.width, img.height]).toEqual([64, 48]);
  });

  it('restores from a ground truth and reports PSNR/SSIM as JSON on the last line', () => {
    const r = spgd('restore', '--task', 'sr-x4', '--method', 'diffpir', '--gt', 'gt.png', '--out', 'x.npy', '--set', 'steps=10', '--prior', 'gaussian', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { psnr: number; ssim: number; nfe: number };
    expect(out.psnr).toBeGreaterThan(10);
    expect(out.ssim).toBeGreaterThan(0);
    expect(out.nfe).toBe(10);
  });

  it('evaluates a folder', () => {
    const r = spgd('eval', '--task', 'gaussian-blur', '--method', 'ddim', '--data', 'set', '--limit', '2', '--set', 'steps=5', '--prior', 'gaussian', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { n: number; psnr: number; images: { file: string; psnr: number }[] };
    expect(out.n).toBe(2);
    expect(out.images.map((i) => i.file)).toEqual(['a.png', 'b.png']);
    expect(out.psnr).toBeCloseTo((out.images[0].psnr + out.images[1].psnr) / 2, 10);
  });

  it('prior vjp reproduces PyTorch autograd on the golden UNet', () => {
    writeFileSync(join(dir, 'x.npy'), encodeNpy([1, 3, 32, 32], loadGoldenArray(goldenManifest.x)));
    writeFileSync(join(dir, 'v.npy'), encodeNpy([1, 3, 32, 32], loadGoldenArray(goldenManifest.v)));
    const model = join(GOLDEN_DIR, goldenManifest.model);
    const r = spgd('prior', 'vjp', '--model', model, '--x', 'x.npy', '--v', 'v.npy', '--t', String(goldenManifest.t), '--out', 'g.npy', '--eps-out', 'e.npy');
    expect(r.code, r.stderr).toBe(0);
    const g = parseNpy(new Uint8Array(readFileSync(join(dir, 'g.npy'))));
    const e = parseNpy(new Uint8Array(readFileSync(join(dir, 'e.npy'))));
    expect(g.shape).toEqual([1, 3, 32, 32]);
    expect(relL2(g.data, loadGoldenArray(goldenManifest.vjp))).toBeLessThan(1e-4);
    expect(relL2(e.data, loadGoldenArray(goldenManifest.eps))).toBeLessThan(1e-5);
  });

  it('prior inspect reports parameters, FLOPs and differentiability', () => {
    const model = join(GOLDEN_DIR, goldenManifest.model);
    const r = spgd('prior', 'inspect', '--model', model, '--size', '32', '--json');
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { parameterCount: number; flops: number; nonDifferentiable: string[] };
    expect(info.parameterCount).toBe(163302);
    expect(info.flops).toBeGreaterThan(0.13e9);
    expect(info.nonDifferentiable).toEqual([]);
  });

  const bad: [string, string[], RegExp][] = [
    ['an unknown task', ['degrade', '--task', 'denoise', '--input', 'gt.png', '--out', 'y.npy'], /unknown task 'denoise'/],
    ['an unknown flag', ['degrade', '--task', 'sr-x4', '--input', 'gt.png', '--out', 'y.npy', '--bogus'], /bogus/],
    ['a missing file', ['degrade', '--task', 'sr-x4', '--input', 'nope.png', '--out', 'y.npy'], /nope\.png: no such file/],
    ['a corrupt image', ['degrade', '--task', 'sr-x4', '--input', 'corrupt.png', '--out', 'y.npy'], /corrupt\.png/],
    ['an image too small for the blur', ['degrade', '--task', 'gaussian-blur', '--input', 'tiny.png', '--out', 'y.npy'], /16/],
    ['a bad sampler parameter', ['restore', '--task', 'sr-x4', '--gt', 'gt.png', '--out', 'x.png', '--set', 'etta=2', '--prior', 'gaussian'], /etta/],
    ['a model file that is not ONNX', ['restore', '--task', 'sr-x4', '--gt', 'gt.png', '--out', 'x.png', '--prior', 'gt.png'], /--prior gt\.png: not a (valid|usable) ONNX/],
    ['an unknown method', ['restore', '--task', 'sr-x4', '--method', 'magic', '--gt', 'gt.png', '--out', 'x.png'], /unknown method 'magic'/],
  ];
  for (const [what, args, pattern] of bad) {
    it(`rejects ${what} with one line on stderr and a non-zero exit`, () => {
      const r = spgd(...args);
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
