import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../lib/graph/document';
import { encodePng } from '../../lib/image';
import { testGraph } from '../../nodes/testing';
import { presetThumbnail } from '../db/presets';
import { matching, testServer, type TestServer } from '../testing';

let s: TestServer;
beforeAll(() => {
  s = testServer();
});
afterAll(() => s.close());

describe('presets', () => {
  it('lists the built-in presets: per task the SPGD posterior-mean preset and its paper protocol, DDNM+ on the blurs and SR, a DPS baseline and the photo presets; each compiles', async () => {
    const list = await s.caller.presets.list();
    const builtIn = list.filter((p) => p.builtIn);
    const tasks = ['gaussian-blur', 'inpaint-box', 'inpaint-random', 'motion-blur', 'sr-x4'];
    const ids = builtIn.map((p) => p.id);
    expect(ids.filter((id) => id.startsWith('builtin-spgd-')).sort()).toEqual(tasks.flatMap((t) => [`builtin-spgd-${t}`, `builtin-spgd-${t}-paper`]).sort());
    expect(ids.filter((id) => id.startsWith('builtin-ddnm-')).sort()).toEqual(['builtin-ddnm-gaussian-blur', 'builtin-ddnm-motion-blur', 'builtin-ddnm-sr-x4']);
    expect(ids).toContain('builtin-dps-inpaint-random');
    expect(ids.filter((id) => id.startsWith('builtin-photo-')).sort()).toEqual(['builtin-photo-deblur-gaussian', 'builtin-photo-deblur-motion', 'builtin-photo-inpaint', 'builtin-photo-sr-x4']);
    // The editor opens on the one tagged 'default': the posterior-mean random-inpainting preset.
    expect(builtIn.filter((p) => p.tags.includes('default')).map((p) => p.id)).toEqual(['builtin-spgd-inpaint-random']);
    for (const p of builtIn) {
      const full = await s.caller.presets.get({ id: p.id });
      const doc = full.document as ReturnType<typeof testGraph>;
      // The posterior-mean presets run at the size they were tuned at; the per-sample ones stay small.
      if (p.id.startsWith('builtin-photo-')) expect(doc.nodes.y.params.source).toMatch(/^sample:photo-/);
      else {
        const size = (p.id.startsWith('builtin-spgd-') && !p.id.endsWith('-paper')) || p.id.startsWith('builtin-ddnm-') ? 128 : 64;
        expect(doc.nodes.img.params).toEqual({ source: 'sample:default', size });
      }
      const compiled = await s.caller.graph.compile({ document: doc });
      expect(compiled.ok).toBe(true);
    }
  });

  it('saves, lists, gets, renames and deletes a user preset', async () => {
    const { id } = await s.caller.presets.save({ name: 'My SR', description: 'd', tags: ['sr'], document: testGraph({ task: 'sr-x4' }) });
    expect((await s.caller.presets.list()).find((p) => p.id === id)).toMatchObject({ name: 'My SR', builtIn: false, tags: ['sr'] });
    const got = await s.caller.presets.get({ id });
    expect(got).toMatchObject({ id, name: 'My SR', description: 'd' });
    expect((got.document as { nodes: Record<string, { params: { task?: string } }> }).nodes.op.params.task).toBe('sr-x4');

    // update by id (rename), keeping description and tags
    expect(await s.caller.presets.save({ id, name: 'My SR v2', document: testGraph({ task: 'sr-x4', size: 32 }) })).toEqual({ id });
    expect(await s.caller.presets.get({ id })).toMatchObject({ name: 'My SR v2', description: 'd', tags: ['sr'] });

    expect(await s.caller.presets.delete({ id })).toEqual({ ok: true });
    await expect(s.caller.presets.get({ id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(s.caller.presets.delete({ id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('needs overwrite: true to save under a taken name (case-insensitive), then replaces that preset', async () => {
    const a = await s.caller.presets.save({ name: 'Blur test', document: testGraph() });
    await expect(s.caller.presets.save({ name: 'blur TEST', document: testGraph({ steps: 9 }) })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: matching(/overwrite: true/),
    });
    const b = await s.caller.presets.save({ name: 'blur TEST', document: testGraph({ steps: 9 }), overwrite: true });
    expect(b.id).toBe(a.id);
    const doc = (await s.caller.presets.get({ id: a.id })).document as ReturnType<typeof testGraph>;
    expect(doc.nodes.sched.params.steps).toBe(9);
    expect((await s.caller.presets.list()).filter((p) => p.name.toLowerCase() === 'blur test')).toHaveLength(1);
  });

  it('protects built-in presets from being overwritten, shadowed or deleted', async () => {
    const builtIn = (await s.caller.presets.list()).find((p) => p.builtIn)!;
    await expect(s.caller.presets.save({ id: builtIn.id, name: 'x', document: testGraph() })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(s.caller.presets.save({ name: builtIn.name, document: testGraph(), overwrite: true })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: matching(/built-in/),
    });
    await expect(s.caller.presets.delete({ id: builtIn.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await s.caller.presets.get({ id: builtIn.id })).name).toBe(builtIn.name);
  });

  it('stores documents migrated to the current version and rejects unreadable ones', async () => {
    const g = testGraph();
    const v0 = {
      format: g.format,
      schemaVersion: 0,
      nodes: Object.fromEntries(Object.entries(g.nodes).map(([id, n]) => [id, { type: n.type, params: n.params, position: { x: 1, y: 2 } }])),
      edges: g.edges.map((e) => [e.from.node, e.from.port, e.to.node, e.to.port]),
    };
    const { id } = await s.caller.presets.save({ name: 'old file', document: v0 });
    const doc = (await s.caller.presets.get({ id })).document as ReturnType<typeof testGraph>;
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION);
    expect(doc.ui.positions.img).toEqual({ x: 1, y: 2 });
    await expect(s.caller.presets.save({ name: 'future', document: { format: g.format, schemaVersion: 99 } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: matching(/newer SPGD Studio/),
    });
  });
});

describe('presets with owners, strict params and bounded thumbnails', () => {
  const alice = { name: 'alice', admin: false };
  const bob = { name: 'bob', admin: false };
  const root = { name: 'root', admin: true };
  const png = (bytes: Uint8Array) => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
  const tinyPng = encodePng({ width: 4, height: 4, data: new Uint8Array(48) });

  it('records the owner; only the owner or an admin overwrites or deletes', async () => {
    const { id } = await s.callerAs(alice).presets.save({ name: 'owned', document: testGraph() });
    expect((await s.caller.presets.list()).find((p) => p.id === id)?.owner).toBe('alice');
    await expect(s.callerAs(bob).presets.save({ id, name: 'owned', document: testGraph() })).rejects.toMatchObject({ code: 'FORBIDDEN', message: matching(/belongs to alice/) });
    await expect(s.callerAs(bob).presets.save({ name: 'owned', document: testGraph(), overwrite: true })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(s.callerAs(bob).presets.delete({ id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await s.callerAs(alice).presets.save({ id, name: 'owned', document: testGraph({ size: 32 }) })).toEqual({ id });
    expect(await s.callerAs(root).presets.delete({ id })).toEqual({ ok: true });
    // made without credentials (no owner): only admins change it once users exist
    const { id: legacy } = await s.caller.presets.save({ name: 'legacy', document: testGraph() });
    await expect(s.callerAs(alice).presets.delete({ id: legacy })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await s.callerAs(root).presets.delete({ id: legacy })).toEqual({ ok: true });
  });

  it('refuses node params that do not fit their type, with the issues per node', async () => {
    const doc = testGraph();
    doc.nodes.img.params.junk = 'x'.repeat(1000);
    doc.nodes.op.params = { task: 'sr-x4', options: { fraction: 'a string' } };
    const err = await s.caller.presets.save({ name: 'junk', document: doc }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    const issues = (err as { cause: { issues: { nodes: Record<string, string[]> } } }).cause.issues;
    expect(Object.keys(issues.nodes).sort()).toEqual(['img', 'op']);
    expect(issues.nodes.img.join(' ')).toMatch(/junk/);
    // an unfinished graph (a missing wire) still saves
    const unfinished = testGraph();
    unfinished.edges = unfinished.edges.slice(1);
    expect((await s.caller.presets.save({ name: 'unfinished', document: unfinished })).id).toBeTruthy();
  });

  it('takes PNG or JPEG data URL thumbnails up to 256 KiB, and lists summaries with a thumbnail URL', async () => {
    for (const [thumbnail, why] of [
      ['javascript:alert(1)', /PNG or JPEG data URL/],
      ['data:image/svg+xml;base64,PHN2Zz4=', /PNG or JPEG data URL/],
      [png(new TextEncoder().encode('GIF89a....')), /not a PNG image/],
      [png(new Uint8Array([...tinyPng, ...new Uint8Array(260 * 1024)])), /at most 256 KiB/],
    ] as const) {
      await expect(s.caller.presets.save({ name: 'thumb', document: testGraph(), thumbnail })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: matching(why) });
    }
    const { id } = await s.caller.presets.save({ name: 'thumb', document: testGraph(), thumbnail: png(tinyPng) });
    const summary = (await s.caller.presets.list()).find((p) => p.id === id);
    expect(summary?.thumbnail).toMatch(new RegExp(`^/api/presets/${id}/thumbnail\\?v=\\d+$`));
    expect(summary).not.toHaveProperty('document');
    expect(presetThumbnail(s.services.db, id)).toBe(png(tinyPng));
  });
});
