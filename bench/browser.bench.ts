/**
 * Browser backend benchmark: NFE per second of the same plan (the shipped prior, 64x64,
 * 10 SPGD steps: e2e/fixtures/browser-bench.json) on the server (onnxruntime-node, CPU) and in
 * the browser (onnxruntime-web, wasm in a worker), driven by Playwright in Debian's Chromium,
 * plus the tab's memory; and, without the app, the forward and fused models' times in
 * onnxruntime-node and in ONNX Runtime Web under several setups (`support/ort-web-probe.ts`:
 * build, wasm threads, graph optimization), to see where the browser loses.
 * Writes bench/results/browser.md.
 *
 * Needs the app running with the test routes:
 *   SPGD_TEST_ROUTES=1 npm run serve -- -p 3300 &   # after npm run build; the app's own server, whose
 *                                                   # cross-origin isolation gives wasm its threads
 *   BASE=http://localhost:3300 npx tsx bench/browser.bench.ts
 * Options (env): BASE, FIXTURE (browser-bench), REPEATS (2), OUT (bench/results/browser.md),
 * PROBE_REPS (9; 0 skips the setups without the app).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { probeOrtWeb, type ProbeRow, type ProbeSetup } from './support/ort-web-probe';

const BASE = process.env.BASE ?? 'http://localhost:3300';
const FIXTURE = process.env.FIXTURE ?? 'browser-bench';
const REPEATS = Number(process.env.REPEATS ?? 2);
const OUT = process.env.OUT ?? 'bench/results/browser.md';
const PROBE_REPS = Number(process.env.PROBE_REPS ?? 9);
const PROBE_SIZE = 64;

/** ONNX Runtime Web setups compared without the app (the app's own setup first). */
const SETUPS: ProbeSetup[] = [
  { name: 'webgpu bundle (asyncify build), 2 threads', bundle: 'ort.webgpu.bundle.min.mjs', threads: 2 },
  { name: 'webgpu bundle (asyncify build), 1 thread', bundle: 'ort.webgpu.bundle.min.mjs', threads: 1 },
  { name: 'wasm bundle (plain build), 2 threads', bundle: 'ort.wasm.bundle.min.mjs', threads: 2 },
  { name: 'wasm bundle (plain build), 1 thread', bundle: 'ort.wasm.bundle.min.mjs', threads: 1 },
  { name: 'wasm bundle (plain build), 2 threads, optimization extended', bundle: 'ort.wasm.bundle.min.mjs', threads: 2, graphOptimizationLevel: 'extended' },
  { name: 'wasm bundle (plain build), 2 threads, optimization basic', bundle: 'ort.wasm.bundle.min.mjs', threads: 2, graphOptimizationLevel: 'basic' },
];

function probeTable(node: ProbeRow, web: ProbeRow[]): string[] {
  const r = (row: ProbeRow) =>
    `| ${row.setup} | ${row.forwardMs.toFixed(1)} | ${row.fusedMs.toFixed(1)} | ${row.copyMs.toFixed(2)} | ${row.forwardCpuMs.toFixed(0)} | ${row.fusedCpuMs.toFixed(0)} | ` +
    `${(node.forwardMs / row.forwardMs).toFixed(2)} | ${(node.fusedMs / row.fusedMs).toFixed(2)} | ${(node.fusedCpuMs / row.fusedCpuMs).toFixed(2)} |`;
  return [
    '| setup | forward ms | fused ms | copy ms | forward CPU ms | fused CPU ms | node / this, forward | node / this, fused | node / this, fused CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    r(node),
    ...web.map(r),
  ];
}

type Nfe = number | { forward: number; vjp: number };
interface RunSnapshot {
  runId: string;
  status: string;
  backend?: string;
  finished?: { metrics: { psnr?: number; ssim?: number }; seconds: number; nfe?: Nfe };
  progress?: { elapsedMs: number; nfe?: Nfe; step: number; steps: number };
  error?: { message: string };
}

const total = (n: Nfe | undefined) => (n === undefined ? 0 : typeof n === 'number' ? n : n.forward + n.vjp);

async function state(page: Page): Promise<RunSnapshot> {
  return page.evaluate(() => (window as unknown as { __spgdBrowser: { state(): RunSnapshot } }).__spgdBrowser.state());
}

async function run(page: Page, backend: string, seed: number): Promise<RunSnapshot> {
  // A fresh sampler seed, so neither side serves the sampler from its output cache.
  await page.getByTestId('node-spgd').click({ position: { x: 40, y: 10 } });
  await page.getByTestId('param-seed').fill(String(seed));
  await page.keyboard.press('Escape');
  await page.getByTestId('backend-select').selectOption(backend);
  await page.waitForTimeout(500);
  await page.getByTestId('run-button').click();
  const t0 = Date.now();
  for (;;) {
    const s = await state(page);
    if (s.status === 'finished' || s.status === 'error' || s.status === 'cancelled') {
      if (s.status !== 'finished') throw new Error(`${backend} run ${s.status}: ${s.error?.message}`);
      return { ...s, wall: (Date.now() - t0) / 1000 } as RunSnapshot;
    }
    if (Date.now() - t0 > 900_000) throw new Error(`${backend} run did not finish in 15 min`);
    await page.waitForTimeout(250);
  }
}

interface Row {
  backend: string;
  label: string;
  cold: boolean;
  nfe: number;
  samplerSeconds: number;
  runSeconds: number;
  nfePerSecond: number;
  psnr?: number;
}

function row(s: RunSnapshot, label: string, cold: boolean): Row {
  const nfe = total(s.finished?.nfe);
  const samplerSeconds = (s.progress?.elapsedMs ?? 0) / 1000;
  return { backend: s.backend ?? 'server', label, cold, nfe, samplerSeconds, runSeconds: s.finished?.seconds ?? NaN, nfePerSecond: nfe / samplerSeconds, psnr: s.finished?.metrics.psnr };
}

async function tabMemory(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const parts: string[] = [];
    const pm = (performance as Performance & { memory?: { usedJSHeapSize: number; totalJSHeapSize: number } }).memory;
    if (pm) parts.push(`performance.memory (main thread JS heap): used ${(pm.usedJSHeapSize / 2 ** 20).toFixed(1)} MiB, total ${(pm.totalJSHeapSize / 2 ** 20).toFixed(1)} MiB`);
    const m = (performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: { bytes: number; types: string[]; attribution: { scope?: string; url?: string }[] }[] }> })
      .measureUserAgentSpecificMemory;
    if (m && crossOriginIsolated) {
      try {
        const r = await Promise.race([m.call(performance), new Promise<null>((res) => setTimeout(() => res(null), 15_000))]);
        if (r) {
          const byScope = new Map<string, number>();
          for (const b of r.breakdown) {
            const scope = b.attribution.map((a) => a.scope ?? 'other').join('+') || (b.types.join('+') || 'shared');
            byScope.set(scope, (byScope.get(scope) ?? 0) + b.bytes);
          }
          parts.push(
            `measureUserAgentSpecificMemory: ${(r.bytes / 2 ** 20).toFixed(1)} MiB in all (${[...byScope].map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(1)} MiB`).join(', ')})`,
          );
        } else parts.push('measureUserAgentSpecificMemory: no answer within 15 s (headless Chromium delays it to a GC that does not come)');
      } catch (e) {
        parts.push(`measureUserAgentSpecificMemory failed: ${(e as Error).message}`);
      }
    } else parts.push('measureUserAgentSpecificMemory: not available (needs cross-origin isolation)');
    return parts.join('\n');
  });
}

/** Resident memory of Chromium's renderer processes (the tab and its worker live in one), from ps. */
function rendererRss(): string {
  try {
    const lines = execSync('ps -eo rss=,args=', { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /chrom/i.test(l) && l.includes('--type=renderer'));
    const rss = lines.map((l) => Number(l.trim().split(/\s+/)[0]) * 1024).sort((a, b) => b - a);
    if (!rss.length) return 'renderer RSS: no renderer process found';
    return `renderer process RSS (the tab and its runner worker, incl. ONNX Runtime's wasm heap): ${(rss[0] / 2 ** 20).toFixed(0)} MiB (largest of ${rss.length} renderer processes)`;
  } catch (e) {
    return `renderer RSS: ps failed (${(e as Error).message})`;
  }
}

const NOTES = `## Notes

- Both sides use 2 threads here (the server's onnxruntime-node intra-op pool; the worker's wasm
  pool = navigator.hardwareConcurrency, the page being cross-origin isolated). The server's
  ~1 s runs vary by +-20 % between repeats on this 2-core box (the browser, Playwright and the
  server share the cores), and much more when other work loads the box (see the load average).
- The wasm execution provider runs on ONNX Runtime Web's plain wasm build
  (\`onnxruntime-web/wasm\`); the WebGPU build (\`onnxruntime-web/webgpu\`, asyncify), which the
  app used for both providers before, runs wasm threads so slowly that 2 threads lose to 1 (see
  the setups above). The plain build's files must be in \`public/ort/\` with the asyncify ones.
- What is left between the browser and the server is wasm itself: ONNX Runtime's x64 kernels
  (AVX2/AVX-512 SGEMM, NCHWc convolutions) against 128-bit wasm SIMD without NCHWc, on the
  same threads; the per-call cost of feeding and fetching tensors ("copy") is well under 1 ms.
- The browser's cold run can be slower inside the sampler than its warm runs (see the table):
  ONNX Runtime Web creates the VJP / fused guidance sessions lazily on first use, and wasm kernels warm up.
  Loading (Cache Storage read or download of 13.3 MiB, wasm instantiation, session creation and
  the pure-TS gradient compile) adds the difference between "whole run s" and "sampler s".
- Numerics: the same plan and seeds give the same result to max |server - browser| = 7.6e-5 on
  the [-1, 1] scale (e2e/browser.spec.ts, 32x32, 4 steps); PSNR differs by about 1e-4 dB.
- Rows differ in PSNR because each run uses a fresh sampler seed (so no side serves it from
  its output cache).
`;

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-precise-memory-info', '--enable-blink-features=ForceEagerMeasureMemory'],
  });
  const probe = PROBE_REPS > 0 ? await probeOrtWeb({ root: process.cwd(), browser, size: PROBE_SIZE, reps: PROBE_REPS, setups: SETUPS }) : null;
  const page = await browser.newPage({ viewport: { width: 1600, height: 950 } });
  await page.goto(`${BASE}/test/${FIXTURE}`);
  await page.getByTestId('canvas').waitFor();
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const rows: Row[] = [];
  let seed = 1000 + Math.floor(Math.random() * 1e6);
  for (const [backend, label] of [
    ['server', 'server (onnxruntime-node, CPU)'],
    ['browser-wasm', 'browser (onnxruntime-web, wasm)'],
  ] as const) {
    for (let i = 0; i < REPEATS + 1; i++) {
      const s = await run(page, backend, seed++);
      rows.push(row(s, label, i === 0));
      console.log(`${label}${i === 0 ? ' (cold)' : ''}: ${rows.at(-1)!.nfe} NFE in ${rows.at(-1)!.samplerSeconds.toFixed(2)} s -> ${rows.at(-1)!.nfePerSecond.toFixed(2)} NFE/s [${s.backend}]`);
    }
  }
  const memory = `${rendererRss()}\n${await tabMemory(page)}`;
  console.log(memory);
  await browser.close();

  const warm = (l: string) => rows.filter((r) => r.label.startsWith(l) && !r.cold);
  const mean = (rs: Row[]) => rs.reduce((a, r) => a + r.nfePerSecond, 0) / Math.max(1, rs.length);
  const srv = mean(warm('server'));
  const web = mean(warm('browser'));
  const md = [
    '# Browser backend benchmark',
    '',
    `Generated by \`bench/browser.bench.ts\` on ${new Date().toISOString()} (${os.cpus().length} CPU cores: ${os.cpus()[0]?.model ?? 'unknown'}; ` +
      `Chromium via Playwright, headless; page cross-origin isolated: ${isolated}; load average ${os.loadavg().map((v) => v.toFixed(2)).join(' / ')} at the end, the box is shared).`,
    '',
    `Plan: e2e/fixtures/${FIXTURE}.json (the shipped prior spgd-prior-v1.onnx, SPGD random inpainting, warm-up + ADM). ` +
      'NFE/s = the sampler\'s network evaluations (forward + VJP, as the run reports them) / the sampler\'s own time ' +
      '(the last progress event\'s elapsedMs: no model loading, no image decoding). "cold" = the first run of each backend ' +
      '(server: whatever its process had not loaded yet -- here the prior was already open from earlier runs; browser: download or Cache Storage read, wasm start, session + VJP compile in the worker); ' +
      'its sampler time still excludes loading.',
    '',
    '| backend | ran as | run | NFE | sampler s | whole run s | NFE/s | PSNR |',
    '|---|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.label} | ${r.backend} | ${r.cold ? 'cold' : 'warm'} | ${r.nfe} | ${r.samplerSeconds.toFixed(2)} | ${r.runSeconds.toFixed(2)} | ${r.nfePerSecond.toFixed(2)} | ${r.psnr?.toFixed(2) ?? '-'} |`),
    '',
    `**Warm mean: server ${srv.toFixed(2)} NFE/s, browser wasm ${web.toFixed(2)} NFE/s: browser / server = ${(web / srv).toFixed(2)}** ` +
      `(server ${(srv / web).toFixed(2)}x faster).`,
    '',
    ...(probe
      ? [
          `## Where the time goes: the models alone (${PROBE_SIZE}x${PROBE_SIZE})`,
          '',
          `The shipped prior's forward model and its fused guidance model (random inpainting) at ${PROBE_SIZE}x${PROBE_SIZE}, without the app: onnxruntime-node in the bench's process (2 threads) and ` +
            `ONNX Runtime Web's wasm execution provider in a module worker of the same Chromium (page cross-origin isolated: ${probe.isolated}), one worker per setup, the setups' runs alternating with the node runs; ` +
            `medians of ${PROBE_REPS} interleaved runs after 2 warm-up runs (CPU: mean CPU time of all threads, of this process for node and of the Chromium it launched for the browser, 10 ms clock ticks summed over the runs). ` +
            `"copy" runs a model that only copies x [1,3,${PROBE_SIZE},${PROBE_SIZE}]: the per-call cost of feeding and fetching tensors. ` +
            'Graph optimization "all" unless stated.',
          '',
          ...probeTable(probe.node, probe.web),
          '',
        ]
      : []),
    '## Memory in the tab (after the runs)',
    '',
    ...memory.split('\n').map((l) => `- ${l}`),
    '',
    NOTES,
  ].join('\n');
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, md);
  console.log(`wrote ${OUT}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
