import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePng } from '../../lib/image/codec';
import { encodeNpy, parseNpy } from '../../lib/io/npy';
import type { GraphDocument } from '../../lib/graph/document';
import { sha256Hex } from '../../lib/graph/hash';
import { blankMask, fillRect, maskToPng, MISSING } from '../../lib/image/mask-paint';
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

  it('--init picks the restoration a warm start begins from, and its forwards count in the NFE', () => {
    const run = (...extra: string[]) => {
      const r = spgd('restore', '--task', 'sr-x4', '--method', 'spgd-mean', '--gt', 'gt.png', '--out', 'x.npy', '--set', 'steps=10', '--set', 'samples=1', '--prior', 'gaussian', '--json', ...extra);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { psnr: number; nfe: number };
    };
    // spgd-mean starts from DDNM+ on sr-x4 (100 forwards); --init classical starts from bicubic (none)
    const fromDdnm = run();
    const fromClassical = run('--init', 'classical');
    expect(fromDdnm.nfe - fromClassical.nfe).toBe(100);
    const named = run('--init', 'ddnm');
    expect([named.psnr, named.nfe]).toEqual([fromDdnm.psnr, fromDdnm.nfe]);
    expect(fromClassical.psnr).not.toBe(fromDdnm.psnr);
  });

  it('evaluates a folder', () => {
    const r = spgd('eval', '--task', 'gaussian-blur', '--method', 'ddim', '--data', 'set', '--limit', '2', '--set', 'steps=5', '--prior', 'gaussian', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { n: number; psnr: number; images: { file: string; psnr: number }[] };
    expect(out.n).toBe(2);
    expect(out.images.map((i) => i.file)).toEqual(['a.png', 'b.png']);
    expect(out.psnr).toBeCloseTo((out.images[0].psnr + out.images[1].psnr) / 2, 10);
  });

  it('runs a graph that carries its painted mask, without --input for it', () => {
    const preset = JSON.parse(readFileSync(join(__dirname, '..', '..', 'presets', 'photo-inpaint.json'), 'utf8')) as { document: GraphDocument };
    const mask = maskToPng(fillRect(blankMask(170, 134), { x: 60, y: 40 }, { x: 99, y: 79 }, MISSING));
    const withMask = (data: Uint8Array) => {
      const doc = structuredClone(preset.document);
      const sha = sha256Hex(data);
      doc.nodes.mask.params.source = `sha256:${sha}`;
      doc.assets = { [sha]: { kind: 'image', name: 'painted.png', data: Buffer.from(data).toString('base64') } };
      return JSON.stringify(doc);
    };
    writeFileSync(join(dir, 'painted.json'), withMask(mask));
    const r = spgd('run', '--graph', 'painted.json', '--prior', 'gaussian', '--set', 'schedule.steps=2', '--out', 'painted.png', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = decodeImage(readFileSync(join(dir, 'painted.png')));
    expect([out.width, out.height]).toEqual([170, 134]);

    writeFileSync(join(dir, 'broken.json'), withMask(new TextEncoder().encode('not a picture')));
    const bad = spgd('run', '--graph', 'broken.json', '--prior', 'gaussian', '--out', 'broken.png');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/asset [0-9a-f]{12}… \("painted\.png"\): not a PNG or JPEG/);
  });

  it('restores an odd-sized photo with a PNG mask (white = kept) and a PNG kernel, at its own size', () => {
    // A 37x29 photo with two missing columns, marked in a mask PNG.
    writeTestImage('photo.png', 37, 29);
    const mask = new Uint8Array(37 * 29 * 3).fill(255);
    for (let y = 0; y < 29; y++) for (const x of [10, 11]) mask.fill(0, 3 * (y * 37 + x), 3 * (y * 37 + x) + 3);
    writeFileSync(join(dir, 'mask.png'), encodePng({ width: 37, height: 29, data: mask }));
    const r = spgd('restore', '--task', 'inpaint', '--measurement', 'photo.png', '--mask', 'mask.png', '--method', 'classical', '--out', 'filled.png', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { residual: number; psnr: number | null };
    expect(out.psnr).toBeNull();
    expect(out.residual).toBeLessThan(1e-3); // the kept pixels are kept
    const img = decodeImage(new Uint8Array(readFileSync(join(dir, 'filled.png'))));
    expect([img.width, img.height]).toEqual([37, 29]);

    // A 5x5 box kernel drawn as a picture; the blur task takes it as it is (normalised).
    writeFileSync(join(dir, 'box.png'), encodePng({ width: 5, height: 5, data: new Uint8Array(75).fill(255) }));
    const b = spgd('restore', '--task', 'blur', '--measurement', 'photo.png', '--kernel', 'box.png', '--out', 'sharp.png', '--set', 'steps=3', '--prior', 'gaussian', '--json');
    expect(b.code, b.stderr).toBe(0);
    expect(decodeImage(new Uint8Array(readFileSync(join(dir, 'sharp.png')))).width).toBe(37);

    // A mask of another size is refused at the node, before any work.
    writeFileSync(join(dir, 'small-mask.png'), encodePng({ width: 8, height: 8, data: new Uint8Array(192).fill(255).fill(0, 0, 3) }));
    const bad = spgd('restore', '--task', 'inpaint', '--measurement', 'photo.png', '--mask', 'small-mask.png', '--method', 'classical', '--out', 'x.png');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/mask is 8x8 px, the image to restore is 37x29/);
  });

  it('runs a built-in preset with the user\'s photo as its input, and a folder of photos', () => {
    writeTestImage('lowres.png', 21, 13);
    const r = spgd('run', '--preset', 'builtin-photo-sr-x4', '--input', 'y=lowres.png', '--set', 'schedule.steps=2', '--prior', 'gaussian', '--out', 'big.png', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { metrics: { residual: number; noiseFloor: number } };
    expect(out.metrics.noiseFloor).toBeCloseTo(Math.sqrt(3 * 21 * 13) * 0.01, 6);
    const big = decodeImage(new Uint8Array(readFileSync(join(dir, 'big.png'))));
    expect([big.width, big.height]).toEqual([84, 52]);
    // The PNG carries the graph: it runs again as --graph, given the photo again.
    expect(spgd('run', '--graph', 'big.png', '--prior', 'gaussian', '--out', 'again.png').stderr).toMatch(/give the file with --input y=path/);
    const again = spgd('run', '--graph', 'big.png', '--input', 'y=lowres.png', '--prior', 'gaussian', '--out', 'again.png', '--json');
    expect(again.code, again.stderr).toBe(0);

    const folder = spgd('run', '--preset', 'builtin-photo-sr-x4', '--input', 'y=set', '--set', 'schedule.steps=2', '--prior', 'gaussian', '--out', 'out-set', '--json');
    expect(folder.code, folder.stderr).toBe(0);
    const rows = (JSON.parse(folder.stdout.trim().split('\n').at(-1)!) as { runs: { out: string }[] }).runs;
    expect(rows.map((x) => x.out)).toEqual(['out-set/a.png', 'out-set/b.png', 'out-set/c.png']);

    const noNode = spgd('run', '--preset', 'builtin-photo-sr-x4', '--input', 'photo=lowres.png', '--out', 'x.png');
    expect(noNode.stderr).toMatch(/no node 'photo' \(nodes that take a file: y\)/);
    writeFileSync(join(dir, 'notagraph.json'), '{"hello": 1}');
    expect(spgd('run', '--graph', 'notagraph.json', '--out', 'x.png').stderr).toMatch(/not an SPGD Studio graph/);
  });

  it('scores a preset on a folder like a method', () => {
    const r = spgd('eval', '--preset', 'builtin-spgd-gaussian-blur-paper', '--data', 'set', '--limit', '2', '--size', '32', '--set', 'sched.steps=3', '--prior', 'gaussian', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { n: number; psnr: number; images: { psnr: number }[] };
    expect(out.n).toBe(2);
    expect(out.psnr).toBeCloseTo((out.images[0].psnr + out.images[1].psnr) / 2, 10);
    // The same graph as the method with the same seeds: the same numbers.
    const m = spgd('eval', '--task', 'gaussian-blur', '--method', 'spgd', '--data', 'set', '--limit', '2', '--size', '32', '--set', 'steps=3', '--prior', 'gaussian', '--json');
    expect((JSON.parse(m.stdout.trim().split('\n').at(-1)!) as { psnr: number }).psnr).toBe(out.psnr);
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
    ['--init on a start from noise', ['restore', '--task', 'sr-x4', '--method', 'spgd', '--init', 'ddnm', '--gt', 'gt.png', '--out', 'x.png', '--prior', 'gaussian'], /--init ddnm: 'spgd' starts from noise here/],
    ['an unknown --init method', ['restore', '--task', 'sr-x4', '--method', 'spgd-mean', '--init', 'magic', '--gt', 'gt.png', '--out', 'x.png'], /unknown --init method 'magic'/],
    ['a size over the cap', ['restore', '--task', 'sr-x4', '--gt', 'gt.png', '--out', 'x.png', '--size', '100000'], /--size 100000: at most 4096 px/],
    ['an output it cannot write, before any work', ['restore', '--task', 'sr-x4', '--gt', 'gt.png', '--out', 'no/such/dir/x.png'], /--out no\/such\/dir\/x\.png: no directory/],
    ['an all-black mask', ['restore', '--task', 'inpaint', '--measurement', 'gt.png', '--mask', 'corrupt.png', '--out', 'x.png'], /corrupt\.png/],
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
