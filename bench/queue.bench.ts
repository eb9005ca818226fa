/**
 * The run queue's own cost and its throughput with more workers.
 *
 * 1. Overhead per run: from `run.start` to the run's terminal event reaching a subscriber, minus
 *    the executor's own time (the `finished` event's seconds); a tiny graph (analytic prior,
 *    16 px, one step, a fresh sampler seed each run), one run at a time. Embedded queue vs BullMQ
 *    with the worker inside the server process vs BullMQ with a `spgd worker` process.
 * 2. Cancel: from `run.cancel` on the server to the run's recorded end, for a run on a
 *    `spgd worker` process (the worker stops at its next network call).
 * 3. Throughput: runs per minute of a small preset (the built-in "SPGD: random inpainting", shipped
 *    prior, 64 px, 20 steps, N = 5) queued all at once, with 1 and with 2 `spgd worker` processes
 *    (1 ONNX Runtime thread each), and the embedded queue (1 thread) for reference.
 *
 *   npm run bench:queue      (starts a private Redis; writes bench/results/queue.md)
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphDocument } from '../lib/graph/document';
import { testGraph } from '../nodes/testing';
import type { RunEvent } from '../server/queue/events';
import { createCaller } from '../server/routers/_app';
import { LOCAL_PRINCIPAL } from '../server/auth';
import { createServices, type Services } from '../server/services';
import { APP_ROOT, clearPrefix, httpServer, redisUrl, startWorker, uniquePrefix, type WorkerProcess } from '../tests/support/queue-processes';

const OVERHEAD_RUNS = 20;
const CANCELS = 5;
const THROUGHPUT_RUNS = 8;
const PORT = 3405;

interface Server {
  services: Services;
  caller: ReturnType<typeof createCaller>;
  url: string | null;
  close(): Promise<void>;
}

async function server(env: Record<string, string>, withHttp: boolean): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spgd-bench-queue-'));
  const services = createServices({ env: { SPGD_DATA_DIR: dataDir, SPGD_DB: ':memory:', SPGD_APP_ROOT: APP_ROOT, NODE_ENV: 'test', SPGD_ORT_THREADS: '1', ...env } });
  const http = withHttp ? await httpServer(services, PORT) : null;
  return {
    services,
    caller: createCaller({ ...services, principal: LOCAL_PRINCIPAL }),
    url: http?.url ?? null,
    async close() {
      await http?.close();
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts a run and resolves when a subscriber has its terminal event. */
async function runToEnd(s: Server, document: GraphDocument): Promise<{ wallMs: number; execMs: number; worker: string }> {
  const t0 = performance.now();
  const { runId } = await s.caller.run.start({ document, priority: 'batch' });
  let last: RunEvent | undefined;
  for await (const item of (await s.caller.run.events({ runId })) as AsyncIterable<unknown>) {
    last = (Array.isArray(item) ? item[1] : item) as RunEvent;
  }
  const wallMs = performance.now() - t0;
  if (last?.type !== 'finished') throw new Error(`run ${runId} ended with ${JSON.stringify(last)}`);
  const rec = await s.caller.run.get({ runId });
  return { wallMs, execMs: last.seconds * 1000, worker: rec.worker?.name ?? rec.backend };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function overhead(s: Server): Promise<{ median: number; p90: number; exec: number }> {
  await runToEnd(s, testGraph({ size: 16, steps: 1, warmup: null, samplerSeed: 9999 })); // warm-up
  const over: number[] = [];
  const exec: number[] = [];
  for (let k = 0; k < OVERHEAD_RUNS; k++) {
    const r = await runToEnd(s, testGraph({ size: 16, steps: 1, warmup: null, samplerSeed: k }));
    over.push(r.wallMs - r.execMs);
    exec.push(r.execMs);
  }
  return { median: quantile(over, 0.5), p90: quantile(over, 0.9), exec: quantile(exec, 0.5) };
}

/** ms from run.cancel to the recorded end of a run that is a few steps in. */
async function cancelLatency(s: Server): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < CANCELS; k++) {
    const { runId } = await s.caller.run.start({ document: testGraph({ size: 64, steps: 1000, warmup: 5, samplerSeed: 500 + k }) });
    for (;;) {
      const r = await s.caller.run.get({ runId });
      if (r.status === 'running' && Object.values(r.trace).some((t) => t.length >= 2)) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const t0 = performance.now();
    const { status } = await s.caller.run.cancel({ runId });
    if (status !== 'cancelled') throw new Error(`cancel ended ${status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

function preset(seed: number): GraphDocument {
  const p = JSON.parse(fs.readFileSync(path.join(APP_ROOT, 'presets', 'spgd-inpaint-random.json'), 'utf8')) as { document: GraphDocument };
  const doc = p.document;
  doc.nodes.sched.params.steps = 20;
  doc.nodes.spgd.params.seed = seed;
  return doc;
}

async function throughput(s: Server, seedBase: number): Promise<{ perMinute: number; seconds: number; byWorker: Record<string, number> }> {
  await runToEnd(s, preset(seedBase + 999)); // warm-up: models fetched, sessions compiled
  const t0 = performance.now();
  const done = await Promise.all(Array.from({ length: THROUGHPUT_RUNS }, (_, k) => runToEnd(s, preset(seedBase + k))));
  const seconds = (performance.now() - t0) / 1000;
  const byWorker: Record<string, number> = {};
  for (const d of done) byWorker[d.worker] = (byWorker[d.worker] ?? 0) + 1;
  return { perMinute: (THROUGHPUT_RUNS / seconds) * 60, seconds, byWorker };
}

async function withWorkers(n: number, f: (s: Server) => Promise<void>): Promise<void> {
  const prefix = uniquePrefix();
  const s = await server({ SPGD_REDIS_URL: redisUrl(), SPGD_REDIS_PREFIX: prefix }, true);
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 1; i <= n; i++) workers.push(await startWorker(`bench-${i}`, { prefix, serverUrl: s.url ?? '' }));
    await f(s);
  } finally {
    for (const w of workers) await w.stop();
    await s.close();
    await clearPrefix(prefix);
  }
}

async function main() {
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
  const loadBefore = load();
  const rows: string[] = [];
  const tput: string[] = [];
  let cancels: number[] = [];

  const embedded = await server({}, false);
  const e = await overhead(embedded);
  rows.push(`| embedded (in-process runner) | ${e.median.toFixed(1)} | ${e.p90.toFixed(1)} | ${e.exec.toFixed(1)} |`);
  const et = await throughput(embedded, 100);
  tput.push(`| embedded, 1 runner | ${et.perMinute.toFixed(1)} | ${et.seconds.toFixed(1)} | - |`);
  await embedded.close();

  const prefix = uniquePrefix();
  const local = await server({ SPGD_REDIS_URL: redisUrl(), SPGD_REDIS_PREFIX: prefix, SPGD_LOCAL_WORKER: '1' }, false);
  const l = await overhead(local);
  rows.push(`| BullMQ, worker in the server process | ${l.median.toFixed(1)} | ${l.p90.toFixed(1)} | ${l.exec.toFixed(1)} |`);
  await local.close();
  await clearPrefix(prefix);

  await withWorkers(1, async (s) => {
    const r = await overhead(s);
    rows.push(`| BullMQ, one \`spgd worker\` process | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.exec.toFixed(1)} |`);
    cancels = await cancelLatency(s);
    const t = await throughput(s, 200);
    tput.push(`| BullMQ, 1 worker process | ${t.perMinute.toFixed(1)} | ${t.seconds.toFixed(1)} | ${JSON.stringify(t.byWorker)} |`);
  });
  await withWorkers(2, async (s) => {
    const t = await throughput(s, 300);
    tput.push(`| BullMQ, 2 worker processes | ${t.perMinute.toFixed(1)} | ${t.seconds.toFixed(1)} | ${JSON.stringify(t.byWorker)} |`);
  });

  const cpu = os.cpus()[0]?.model.trim() ?? 'CPU';
  const md = `# Run queue benchmark

- machine: ${cpu}, ${os.cpus().length} cores (${os.platform()} ${os.arch()}), shared with other work: load average ${loadBefore} before, ${load()} after (1/5/15 min)
- node ${process.version}, Redis ${redisVersion()} on loopback, date ${new Date().toISOString()}; \`npm run bench:queue\`

## Overhead per run (ms)

From \`run.start\` to the terminal event at a subscriber, minus the executor's own time; ${OVERHEAD_RUNS} runs of a tiny graph
(analytic prior, 16 px, 1 step), one at a time, after one warm-up run.

| queue | median | p90 | executor time (median) |
|---|---:|---:|---:|
${rows.join('\n')}

## Cancel across processes

From \`run.cancel\` on the server to the run's recorded end, for a run a few steps into a 1000-step graph on a
\`spgd worker\` process, ${CANCELS} times: ${cancels.map((c) => c.toFixed(0)).join(', ')} ms (median ${quantile(cancels, 0.5).toFixed(0)} ms).

## Throughput of a small preset

"SPGD: random inpainting" (shipped prior, 64 px, 20 steps, warm-up N = 5), ${THROUGHPUT_RUNS} runs queued at once as batch
work after one warm-up run; each worker process uses 1 ONNX Runtime thread.

| setup | runs per minute | seconds for ${THROUGHPUT_RUNS} runs | runs per worker |
|---|---:|---:|---|
${tput.join('\n')}

A second worker process adds runs per minute only where the machine has a free core for it: compare the
load average above with the core count.
`;
  const out = path.join(APP_ROOT, 'bench', 'results', 'queue.md');
  fs.writeFileSync(out, md);
  console.log(md);
  console.log(`wrote ${out}`);
}

function redisVersion(): string {
  try {
    return /v=([\d.]+)/.exec(execSync('redis-server --version', { encoding: 'utf8' }))?.[1] ?? '?';
  } catch {
    return '?';
  }
}



main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
