import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../lib/image';
import { ModelBuilder } from '../../lib/onnx/builder';
import { DataType } from '../../lib/onnx/proto';
import { tinyEpsModel } from '../../lib/onnx/test-models';
import { testGraph } from '../../nodes/testing';
import { matching, testServer, type TestServer } from '../testing';

const png64 = new Uint8Array(fs.readFileSync(new URL('../../tests/fixtures/images/astronaut-64.png', import.meta.url)));
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

let s: TestServer;
beforeAll(() => {
  s = testServer({ SPGD_MAX_IMAGE_PIXELS: String(200 * 200), SPGD_MAX_IMAGE_BYTES: String(400_000) });
});
afterAll(() => s.close());

describe('images.upload', () => {
  it('stores a valid image by sha256 (FormData or base64) and a graph can use it', async () => {
    const form = new FormData();
    form.set('file', new File([png64], 'astronaut.png', { type: 'image/png' }));
    const r = await s.caller.images.upload(form);
    expect(r).toEqual({ sha256: matching(/^[0-9a-f]{64}$/), width: 64, height: 64, kind: 'image' });
    expect(await s.caller.images.upload({ name: 'again.png', base64: b64(png64) })).toEqual(r);
    expect(fs.existsSync(`${s.dataDir}/images/${r.sha256}.png`)).toBe(true);
    const compiled = await s.caller.graph.compile({ document: testGraph({ source: `sha256:${r.sha256}`, size: 0, task: 'sr-x4' }) });
    expect(compiled.ok && compiled.plan.steps.find((x) => x.node === 's')!.sampler).toMatchObject({ height: 64, width: 64 });
  });

  it('rejects corrupt bytes with the decoder message', async () => {
    const corrupt = png64.slice(0, 200);
    await expect(s.caller.images.upload({ base64: b64(corrupt) })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: matching(/PNG/) });
    await expect(s.caller.images.upload({ base64: b64(new TextEncoder().encode('GIF89a....')) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: matching(/not a PNG or JPEG file .*GIF/),
    });
    const form = new FormData();
    form.set('other', 'x');
    await expect(s.caller.images.upload(form)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: matching(/no file in field 'file'/) });
  });

  it('rejects images over the pixel limit (from the header) and files over the byte limit', async () => {
    const big = encodePng({ width: 300, height: 300, data: new Uint8Array(300 * 300 * 3) });
    await expect(s.caller.images.upload({ base64: b64(big) })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: matching(/300x300 .* more than the 0\.04 MP limit/) });
    const heavy = encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) }, { text: { padding: 'x'.repeat(450_000) } });
    expect(heavy.length).toBeGreaterThan(400_000);
    await expect(s.caller.images.upload({ base64: b64(heavy) })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: matching(/upload limit/) });
  });

  it('lists the bundled samples', async () => {
    const samples = await s.caller.images.samples();
    expect(samples.map((x) => x.source)).toEqual([
      'sample:astronaut',
      'sample:chelsea',
      'sample:coffee',
      'sample:photo-lowres',
      'sample:photo-scratched-mask',
      'sample:photo-scratched',
      'sample:photo-shaken',
      'sample:photo-soft',
    ]);
    expect(samples[0]).toMatchObject({ url: '/samples/astronaut.png', width: 256, height: 256, isDefault: true });
    expect(samples.filter((x) => x.isDefault)).toHaveLength(1);
  });
});

describe('models', () => {
  it('lists the shipped default and the analytic prior', async () => {
    const list = await s.caller.models.list();
    expect(list[0]).toMatchObject({ id: 'default', kind: 'onnx', parameters: 3_453_267, differentiable: true, problems: [], builtIn: true });
    expect(list[0].sha256).toBe('34746f617359694b48f74ace8626949a9a3a3740ff90cbaf79e82dabb4f652ce');
    expect(list[0].gflopsAt256).toBeCloseTo(18.4, 1);
    expect(list[1]).toMatchObject({ id: 'gaussian', kind: 'analytic', sha256: null });
  });

  it('accepts a valid epsilon network and lists it', async () => {
    const rec = await s.caller.models.upload({ name: 'tiny.onnx', base64: b64(tinyEpsModel()) });
    expect(rec).toMatchObject({ id: `sha256:${rec.sha256}`, name: 'tiny.onnx', parameters: 3 * 3 * 9 + 1, differentiable: true });
    expect((await s.caller.models.list()).map((m) => m.id)).toContain(rec.id);
    const r = await s.caller.graph.compile({ document: testGraph({ model: rec.id }) });
    expect(r).toMatchObject({ ok: true });
  });

  it('rejects a file that is not ONNX', async () => {
    await expect(s.caller.models.upload({ name: 'x.onnx', base64: b64(png64) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: matching(/not a valid ONNX model/),
    });
  });

  it('rejects a model with an op the gradient compiler cannot differentiate, naming it', async () => {
    const bytes = tinyEpsModel({ xPath: (b, h) => b.node('Round', [h], [], undefined, 'the_round') });
    await expect(s.caller.models.upload({ name: 'round.onnx', base64: b64(bytes) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: matching(/unsupported op type Round .*Round 'the_round'/),
    });
  });

  it('rejects a model with the wrong signature, naming the inputs', async () => {
    const b = new ModelBuilder(17);
    const x = b.input('x', DataType.FLOAT, ['N', 3, 'H', 'W']);
    b.node('Relu', [x], [], ['out']);
    b.output('out', DataType.FLOAT, ['N', 3, 'H', 'W']);
    await expect(s.caller.models.upload({ name: 'one-input.onnx', base64: b64(b.build()) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: matching(/takes 2 inputs .* this model takes 1: x/),
    });
  });
});

describe('mask and kernel uploads', () => {
  it('stores a .npy array as an asset a Load mask node can use, and estimates the noise of a photo', async () => {
    const { encodeNpy } = await import('../../lib/io/npy');
    const mask = encodeNpy([64, 64], Float32Array.from({ length: 4096 }, (_, i) => (i % 5 === 0 ? 0 : 1)));
    const r = await s.caller.images.upload({ name: 'mask.npy', base64: b64(mask) });
    expect(r).toEqual({ sha256: matching(/^[0-9a-f]{64}$/), width: 64, height: 64, kind: 'array' });
    expect(s.services.assets.loadArray(`sha256:${r.sha256}`).shape).toEqual([64, 64]);
    await expect(s.caller.images.upload({ name: 'cube.npy', base64: b64(encodeNpy([2, 2, 2], new Float32Array(8))) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: matching(/must be 2-D/),
    });
    const photo = await s.caller.images.upload({ name: 'astronaut.png', base64: b64(png64) });
    const { sigmaY } = await s.caller.images.estimateNoise({ source: `sha256:${photo.sha256}` });
    expect(sigmaY).toBeGreaterThan(0);
    expect(sigmaY).toBeLessThan(0.1);
  });
});
