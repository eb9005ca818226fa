/** Masks that travel inside a graph document: a fresh server stores them before it compiles, runs or saves the graph. */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../lib/graph/document';
import { sha256Hex } from '../../lib/graph/hash';
import { blankMask, fillRect, maskToPng, MISSING, stroke } from '../../lib/image/mask-paint';
import { bytesToBase64 } from '../../lib/io/base64';
import { collectEvents, matching, testServer, type TestServer } from '../testing';

const preset = JSON.parse(fs.readFileSync(new URL('../../presets/photo-inpaint.json', import.meta.url), 'utf8')) as { document: GraphDocument };

/** A mask painted over the 170x134 sample photo: a scratch and a hole. */
function paintedMask(width = 170, height = 134): Uint8Array {
  const m = stroke(blankMask(width, height), [{ x: 10, y: 10 }, { x: 80, y: 60 }], 4, MISSING);
  return maskToPng(fillRect(m, { x: 100, y: 30 }, { x: 119, y: 49 }, MISSING));
}

/** builtin-photo-inpaint with its mask node on a file (embedded or not), the analytic prior and 2 steps. */
function graphWithMask(file: Uint8Array, opts: { embed?: boolean; key?: string } = {}): GraphDocument {
  const doc = structuredClone(preset.document);
  const sha = opts.key ?? sha256Hex(file);
  doc.nodes.mask.params.source = `sha256:${sha}`;
  doc.nodes.prior.params.model = 'gaussian';
  doc.nodes.schedule.params.steps = 2;
  doc.assets = { [sha]: { kind: 'image', name: 'painted mask.png', bytes: file.length, ...(opts.embed === false ? {} : { data: bytesToBase64(file) }) } };
  return doc;
}

let servers: TestServer[] = [];
const fresh = () => {
  const s = testServer();
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('a mask embedded in the graph', () => {
  it('makes the graph compile and run on a server that never saw the upload', async () => {
    const png = paintedMask();
    const sha = sha256Hex(png);
    const s = fresh();
    const without = await s.caller.graph.compile({ document: graphWithMask(png, { embed: false }) });
    expect(without.ok ? [] : without.issues.nodes.mask).toEqual([matching(/no uploaded image sha256:/)]);

    const doc = graphWithMask(png);
    const compiled = await s.caller.graph.compile({ document: doc });
    expect(compiled.ok ? compiled.plan.steps.map((x) => x.node) : compiled.issues).toContain('mask');
    expect(fs.readFileSync(`${s.dataDir}/images/${sha}.png`)).toEqual(Buffer.from(png));
    // Idempotent: compiling again stores nothing new and still compiles.
    expect((await s.caller.graph.compile({ document: doc })).ok).toBe(true);

    const { runId } = await s.caller.run.start({ document: doc });
    const events = await collectEvents(s.caller, runId);
    expect(events.at(-1)?.type).toBe('finished');
    const run = await s.caller.run.get({ runId });
    expect((run.document as GraphDocument).assets[sha].data).toBe(bytesToBase64(png));
  });

  it('is stored when the graph is saved as a preset, and the preset keeps it', async () => {
    const png = paintedMask();
    const sha = sha256Hex(png);
    const s = fresh();
    const { id } = await s.caller.presets.save({ name: 'my painted mask', document: graphWithMask(png) });
    expect(fs.existsSync(`${s.dataDir}/images/${sha}.png`)).toBe(true);
    const saved = await s.caller.presets.get({ id });
    expect((saved.document as GraphDocument).assets[sha].data).toBe(bytesToBase64(png));
  });

  it('is refused where it enters when it is not a picture or not the file its key names; nothing is saved', async () => {
    const s = fresh();
    const text = new TextEncoder().encode('not a picture at all');
    const notPng = await s.caller.graph.compile({ document: graphWithMask(text) });
    expect(notPng.ok ? [] : notPng.issues.graph).toEqual([matching(/^asset [0-9a-f]{12}… \("painted mask\.png"\): not a PNG or JPEG/)]);
    await expect(s.caller.presets.save({ name: 'broken', document: graphWithMask(text) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: matching(/cannot be used: asset .*not a PNG or JPEG/),
    });
    expect((await s.caller.presets.list()).map((p) => p.name)).not.toContain('broken');

    const swapped = await s.caller.graph.compile({ document: graphWithMask(paintedMask(), { key: 'a'.repeat(64) }) });
    expect(swapped.ok ? [] : swapped.issues.graph).toEqual([matching(/its embedded data is another file/)]);
    expect(fs.existsSync(`${s.dataDir}/images/${'a'.repeat(64)}.png`)).toBe(false);
  });

  it('a mask of another size than the photo is named at the node that meets both', async () => {
    const s = fresh();
    const r = await s.caller.graph.compile({ document: graphWithMask(paintedMask(64, 64)) });
    expect(r.ok ? {} : r.issues.nodes).toEqual({ sampler: ["the operator's mask is 64x64 px, the image to restore is 170x134"] });
  });
});
