/**
 * The hostile and careless requests of tests/http/security.test.ts, sent to any running server
 * without assertions, for before/after figures (bench/results/security.md): status code and
 * time of each, and the server's resident memory (VmRSS of --pid) around the heavy ones.
 *
 *   tsx bench/security.ts --base http://127.0.0.1:3508 --pid 1234 [--token T] > table.md
 *
 * It starts runs and saves presets on that server: point it at a throwaway data folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bigPng, embeddedGraphBytes, fanOut, getWithHost, postDeclared, presetGraph } from '../tests/http/probes';
import { client, request, rssMB, waitForRun } from '../tests/http/server';

const { values } = parseArgs({ options: { base: { type: 'string' }, pid: { type: 'string' }, token: { type: 'string' }, data: { type: 'string' } } });
if (!values.base || !values.pid) throw new Error('usage: tsx bench/security.ts --base URL --pid PID [--token T] [--data DATA_DIR]');
const base = values.base;
const pid = Number(values.pid);
const auth: Record<string, string> = values.token ? { authorization: `Bearer ${values.token}` } : {};
const c = client(base, auth);
const rows: string[] = [];
const row = (probe: string, status: number | string, ms: number, note = '') => {
  rows.push(`| ${probe} | ${status} | ${ms.toFixed(0)} | ${note} |`);
  console.error(rows.at(-1));
};
const mb = () => rssMB(pid);
const settle = () => new Promise((r) => setTimeout(r, 2000));
// Made first: encoding blocks this process for seconds, long enough for an idle connection to expire.
const pngs = [1, 2, 3, 4].map((seed) => bigPng(4000, 4000, seed));

const host = await getWithHost(`${base}/api/trpc/presets.list`, 'evil.example', auth);
row('GET with Host: evil.example', host.status, host.ms);
const png = Buffer.from(bigPng(32, 32, 1)).toString('base64');
const cross = await c.mutate('images.upload', { name: 'x.png', base64: png }, { origin: 'http://evil.example' });
row('images.upload with Origin: http://evil.example', cross.status, cross.ms);
const page = await request(`${base}/`, { headers: auth });
row('headers of /', page.status, page.ms, ['x-content-type-options', 'content-security-policy', 'referrer-policy'].map((h) => `${h}: ${page.headers.get(h) ? 'yes' : 'no'}`).join(', '));

let before = mb();
for (const [i, p] of pngs.entries()) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(p)], { type: 'image/png' }), `big-${i}.png`);
  const r = await request(`${base}/api/trpc/images.upload`, { method: 'POST', body: form, headers: auth });
  row(`upload ${i + 1} of a ${(p.length / 1024).toFixed(0)} KB 4000x4000 PNG`, r.status, r.ms, `RSS ${mb().toFixed(0)} MB`);
}
await settle();
row('RSS growth after 4 uploads', '-', 0, `${before.toFixed(0)} -> ${mb().toFixed(0)} MB`);

before = mb();
const start = await c.mutate<{ runId: string }>('run.start', { document: presetGraph({ size: 512, steps: 1, warmup: 1, model: 'default', seed: 7 }) });
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, mb())), 50);
const t0 = performance.now();
const fin = await waitForRun(base, start.body.result.data.runId, auth);
clearInterval(sampler);
await settle();
row('512 px, 1-step run on the shipped prior', String(fin.last.type), performance.now() - t0, `RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} -> ${mb().toFixed(0)} MB after`);

const batch = (n: number) => `${base}/api/trpc/${Array.from({ length: n }, () => 'presets.list').join(',')}?batch=1&input=${encodeURIComponent('{}')}`;
for (const n of [17, 100]) {
  const r = await request(batch(n), { headers: auth });
  row(`${n} x presets.list in one batch`, r.status, r.ms);
}
before = mb();
const up = await postDeclared(`${base}/api/trpc/images.upload`, 300 * 2 ** 20, auth, 30_000).catch((e: unknown) => ({ status: String(e), ms: 0, body: '' }));
row('images.upload declaring 300 MB (1 MB sent)', up.status, up.ms, `RSS +${(mb() - before).toFixed(0)} MB`);
const junk = presetGraph();
junk.nodes.img.params.junk = 'x'.repeat(20 * 2 ** 20);
const j = await c.raw('presets.save', JSON.stringify({ name: 'junk', document: junk })).catch((e: unknown) => ({ status: String(e), ms: 0 }));
row('presets.save with 20 MB junk in params', j.status, j.ms);
const thumb = await c.mutate('presets.save', { name: 'thumb', document: presetGraph(), thumbnail: `javascript:${'x'.repeat(1.9 * 2 ** 20)}` }).catch((e: unknown) => ({ status: String(e), ms: 0 }));
row('presets.save with a 1.9 MB javascript: thumbnail', thumb.status, thumb.ms);
const list = await c.query<unknown[]>('presets.list');
row('presets.list', list.status, list.ms, `${JSON.stringify(list.body).length} bytes; documents included: ${JSON.stringify(list.body).includes('"document"') ? 'yes' : 'no'}`);

const est = await c.mutate<{ plan?: { estimate: { memoryMB: number; seconds: number } } }>('graph.compile', { document: fanOut(30, 1024) });
row('graph.compile, 30 x Resize to 1024 px', est.status, est.ms, `estimate ${String(est.body.result.data.plan?.estimate.memoryMB)} MB`);
for (const [probe, document] of [
  ['run.start, 1024 px, T=1000, N=5 (shipped prior)', presetGraph({ size: 1024, steps: 1000, warmup: 5, model: 'default' })],
  ['run.start, 30 x Resize to 4096 px', fanOut(30, 4096)],
] as const) {
  const r = await c.mutate<{ runId: string; plan: { estimate: { seconds: number; memoryMB: number } } }>('run.start', { document }).catch((e: unknown) => e as Error);
  if (r instanceof Error) {
    row(probe, r.cause instanceof Error ? r.cause.message : r.message, 0);
    continue;
  }
  // A refusal carries no result.
  const reply = r.body as Partial<typeof r.body>;
  const plan = reply.result?.data.plan;
  row(probe, r.status, r.ms, plan ? `accepted, estimate ${plan.estimate.seconds} s / ${plan.estimate.memoryMB} MB` : (reply.error?.message.slice(0, 90) ?? ''));
  // A server busy compiling the accepted run may drop the connection: the cancel is retried once.
  if (r.status === 200) await c.mutate('run.cancel', { runId: r.body.result.data.runId }).catch(() => c.mutate('run.cancel', { runId: r.body.result.data.runId }));
}

const bulky = presetGraph({ size: 32, steps: 2, seed: 3 });
bulky.ui = { positions: Object.fromEntries(Array.from({ length: 8000 }, (_, i) => [`gone${i}`, { x: i, y: i }])), groups: [] };
bulky.assets = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [i.toString(16).padStart(64, '0'), { kind: 'image' as const, name: 'y'.repeat(200) }]));
const body = JSON.stringify({ document: bulky });
const run = await c.raw('run.start', body);
const runId = (run.body as unknown as { result?: { data: { runId: string } } }).result?.data.runId;
if (runId && values.data) {
  await waitForRun(base, runId, auth);
  const file = path.join(values.data, 'runs', runId, 'result.png');
  row(`run.start with a ${(body.length / 2 ** 20).toFixed(2)} MiB document`, run.status, run.ms, `graph embedded in result.png: ${embeddedGraphBytes(fs.readFileSync(file))} bytes`);
  const del = await c.mutate('run.delete', { runId });
  row('run.delete', del.status, del.ms);
}

console.log(['| probe | status | ms | note |', '|---|---|---|---|', ...rows].join('\n'));
