/**
 * Where browser wasm loses against the server, measured without the app: the shipped prior's
 * forward model and its fused guidance model (random inpainting) at one size, run by
 * onnxruntime-node in this process and by onnxruntime-web (wasm execution provider) in module
 * workers of headless Chromium, under several setups (ORT Web build, wasm threads, graph
 * optimization level, spinning). Each browser setup gets its own worker (ORT Web's `env` is read
 * once), and the setups' runs alternate.
 * A static server on an ephemeral port serves the page (cross-origin isolated: COOP/COEP, so
 * wasm threads work), ORT Web's files from node_modules and the compiled models.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { OrtSession } from '../../lib/backends/ort-node';
import type { HostTensor } from '../../lib/backends/ort-session';
import { ModelBuilder } from '../../lib/onnx/builder';
import { compileGuidanceModel, GUIDANCE_OPERATOR_NAMES } from '../../lib/onnx/guidance';
import { DataType } from '../../lib/onnx/proto';
import { createOperator } from '../../lib/operators';
import { Rng } from '../../lib/rng';

export interface ProbeSetup {
  name: string;
  /** ORT Web entry in node_modules/onnxruntime-web/dist. */
  bundle: string;
  threads: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Let idle intra-op threads spin (the app turns spinning off, like the server). */
  spinning?: boolean;
}

export interface ProbeRow {
  setup: string;
  /** Medians of wall time. */
  forwardMs: number;
  fusedMs: number;
  /** A run of a model that only copies x: the per-call cost of feeding and fetching tensors. */
  copyMs: number;
  /** Mean CPU time (all threads) of a forward / fused run. */
  forwardCpuMs: number;
  fusedCpuMs: number;
}

const MODELS = ['forward', 'fused', 'copy'] as const;
type ModelKey = (typeof MODELS)[number];

/**
 * CPU time (user + system, ms) so far of the processes below `root` -- the Chromium this process
 * launched, whose renderer runs the workers; NaN without /proc. Clock ticks are 10 ms, so only
 * sums over many runs are meaningful.
 */
function descendantsCpuMs(root: number): number {
  if (!existsSync('/proc/self/stat')) return NaN;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // Fields after the command name (which may hold spaces) start at state.
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ').pop()!.split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  const below = new Set([root]);
  let ticks = 0;
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, st] of stats) {
      if (below.has(pid) || !below.has(st.ppid)) continue;
      below.add(pid);
      ticks += st.ticks;
      grew = true;
    }
  }
  return ticks * 10;
}

interface Feed {
  name: string;
  dims: number[];
  data: number[];
}

/**
 * The page's worker: opens the three models with one setup ('open'), then times one run of a
 * model per 'run'. The page keeps one worker per setup and the rounds alternate between them, so
 * drifting load on the box hits every setup alike.
 */
const WORKER = `
let sessions, inputs;
self.onmessage = async ({ data: m }) => {
  try {
    if (m.type === 'open') {
      const c = m.config;
      const ort = await import('/ort/' + c.bundle);
      ort.env.wasm.numThreads = c.threads;
      ort.env.wasm.wasmPaths = '/ort/';
      const opts = { executionProviders: ['wasm'], graphOptimizationLevel: c.level, executionMode: 'sequential', enableMemPattern: true, enableCpuMemArena: true,
        extra: { session: { intra_op: { allow_spinning: c.spinning ? '1' : '0' } } } };
      const open = async (name) => ort.InferenceSession.create(new Uint8Array(await (await fetch('/models/' + name)).arrayBuffer()), opts);
      const feeds = (list) => Object.fromEntries(list.map((f) => [f.name, new ort.Tensor('float32', Float32Array.from(f.data), f.dims)]));
      sessions = { forward: await open('forward.onnx'), fused: await open('fused.onnx'), copy: await open('copy.onnx') };
      inputs = { forward: feeds(c.feeds.forward), fused: feeds(c.feeds.fused), copy: feeds(c.feeds.copy) };
      self.postMessage({ isolated: self.crossOriginIsolated });
      return;
    }
    const t0 = performance.now();
    await sessions[m.model].run(inputs[m.model]);
    self.postMessage({ ms: performance.now() - t0 });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
};
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>ORT Web probe</title><script type="module">
const workers = [];
const ask = (w, m) => new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); w.postMessage(m); });
window.probeOpen = async (config) => {
  const w = new Worker('/probe-worker.mjs', { type: 'module' });
  workers.push(w);
  return { id: workers.length - 1, ...(await ask(w, { type: 'open', config })) };
};
window.probeRun = (id, model) => ask(workers[id], { type: 'run', model });
</script>`;

function randomFeed(name: string, dims: number[], seed: number, scale = 1): Feed {
  const r = new Rng(seed, 'ort-web-probe');
  return { name, dims, data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => scale * r.normal()) };
}

/** A model that copies x [1,3,H,W] to its output: what one run costs besides the network. */
function copyModel(h: number, w: number): Uint8Array {
  const b = new ModelBuilder(17);
  const x = b.input('x', DataType.FLOAT, [1, 3, h, w]);
  b.output(b.node('Identity', [x]), DataType.FLOAT, [1, 3, h, w]);
  return b.build();
}

export async function probeOrtWeb(opts: { root: string; browser: Browser; size: number; reps: number; setups: ProbeSetup[] }): Promise<{ node: ProbeRow; web: ProbeRow[]; isolated: boolean }> {
  const { root, size, reps } = opts;
  const prior = new Uint8Array(readFileSync(path.join(root, 'public/models/spgd-prior-v1.onnx')));
  const op = createOperator('inpaint-random', [3, size, size], {}, new Rng(1, 'operator'));
  const form = op.onnxForm!(GUIDANCE_OPERATOR_NAMES)!;
  const models = new Map<string, Uint8Array>([
    ['forward.onnx', prior],
    ['fused.onnx', compileGuidanceModel(prior, { height: size, width: size, operator: form }).bytes],
    ['copy.onnx', copyModel(size, size)],
  ]);
  const img = [1, 3, size, size];
  const t = { name: 't', dims: [1], data: [500] };
  const feeds: Record<'forward' | 'fused' | 'copy', Feed[]> = {
    forward: [randomFeed('x', img, 1), t],
    fused: [
      randomFeed('x', img, 1, 2.5),
      { name: 'c_in', dims: [1], data: [0.37] },
      { name: 'sigma', dims: [1], data: [2.5] },
      t,
      randomFeed('y', [...form.outShape], 2, 0.5),
      ...form.feeds.map((f) => ({ name: f.name, dims: [...f.dims], data: Array.from(f.data) })),
    ],
    copy: [randomFeed('x', img, 1)],
  };

  // onnxruntime-node in this process, same models and feeds, 2 threads like the server.
  const host = (list: Feed[]): Record<string, HostTensor> => Object.fromEntries(list.map((f) => [f.name, { dtype: 'float32', dims: f.dims, data: Float32Array.from(f.data) }]));
  const sessions = {
    forward: await OrtSession.create(prior, { intraOpNumThreads: 2 }),
    fused: await OrtSession.create(models.get('fused.onnx')!, { intraOpNumThreads: 2, enableMemPattern: false }),
    copy: await OrtSession.create(models.get('copy.onnx')!, { intraOpNumThreads: 2 }),
  };
  const hostFeeds = { forward: host(feeds.forward), fused: host(feeds.fused), copy: host(feeds.copy) };
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const nodeRun = async (k: ModelKey): Promise<{ ms: number; cpu: number }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await sessions[k].run(hostFeeds[k]);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { ms, cpu: (c.user + c.system) / 1000 };
  };

  const dist = path.join(root, 'node_modules/onnxruntime-web/dist');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (type: string, body: string | Uint8Array) => {
      res.writeHead(200, { 'Content-Type': type, 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' });
      res.end(body);
    };
    const file = path.basename(url.pathname);
    const model = url.pathname.startsWith('/models/') ? models.get(file) : undefined;
    if (url.pathname === '/') send('text/html', PAGE);
    else if (url.pathname === '/probe-worker.mjs') send('text/javascript', WORKER);
    else if (model) send('application/octet-stream', model);
    else if (url.pathname.startsWith('/ort/') && /^ort[\w.-]*\.(mjs|wasm)$/.test(file) && existsSync(path.join(dist, file))) {
      send(file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', readFileSync(path.join(dist, file)));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const page = await opts.browser.newPage();
  const web: ProbeRow[] = [];
  let node: ProbeRow | null = null;
  let isolated = false;
  type Win = { probeOpen(c: unknown): Promise<{ id: number; isolated: boolean; error?: string }>; probeRun(id: number, model: ModelKey): Promise<{ ms: number; error?: string }> };
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => typeof (window as unknown as { probeOpen?: unknown }).probeOpen === 'function');
    const ids: number[] = [];
    for (const s of opts.setups) {
      const config = { bundle: s.bundle, threads: s.threads, level: s.graphOptimizationLevel ?? 'all', spinning: s.spinning ?? false, feeds };
      const r = await page.evaluate((c) => (window as unknown as Win).probeOpen(c), config);
      if (r.error) throw new Error(`ORT Web setup '${s.name}': ${r.error}`);
      isolated = r.isolated;
      ids.push(r.id);
    }
    // Index 0 is onnxruntime-node, run in the same rounds.
    const empty = () => ({ ms: { forward: [] as number[], fused: [] as number[], copy: [] as number[] }, cpu: { forward: 0, fused: 0, copy: 0 } });
    const acc = [null, ...opts.setups].map(empty);
    for (let round = -2; round < reps; round++) {
      for (const k of MODELS) {
        const n = await nodeRun(k);
        if (round >= 0) {
          acc[0].ms[k].push(n.ms);
          acc[0].cpu[k] += n.cpu;
        }
        for (let i = 0; i < ids.length; i++) {
          const c0 = descendantsCpuMs(process.pid);
          const r = await page.evaluate(([id, model]) => (window as unknown as Win).probeRun(id, model), [ids[i], k] as const);
          const cpu = descendantsCpuMs(process.pid) - c0;
          if (r.error) throw new Error(`ORT Web setup '${opts.setups[i].name}': ${r.error}`);
          if (round >= 0) {
            acc[i + 1].ms[k].push(r.ms);
            acc[i + 1].cpu[k] += cpu;
          }
        }
      }
    }
    const row = (setup: string, a: (typeof acc)[number]): ProbeRow => ({
      setup,
      forwardMs: median(a.ms.forward),
      fusedMs: median(a.ms.fused),
      copyMs: median(a.ms.copy),
      forwardCpuMs: a.cpu.forward / reps,
      fusedCpuMs: a.cpu.fused / reps,
    });
    node = row('onnxruntime-node, CPU, 2 threads', acc[0]);
    opts.setups.forEach((s, i) => web.push(row(s.name, acc[i + 1])));
    for (const r of [node, ...web]) {
      console.log(`${r.setup}: forward ${r.forwardMs.toFixed(1)} ms (CPU ${r.forwardCpuMs.toFixed(0)}), fused ${r.fusedMs.toFixed(1)} ms (CPU ${r.fusedCpuMs.toFixed(0)}), copy ${r.copyMs.toFixed(2)} ms`);
    }
  } finally {
    await page.close();
    server.close();
    for (const x of Object.values(sessions)) await x.release();
  }
  return { node, web, isolated };
}
