/**
 * Estimate accuracy: measured / estimated seconds of real runs, through the editor as a user runs
 * them, on the server at 64, 128 and 256 px and in the browser (ONNX Runtime Web, wasm), with the
 * shipped prior (SPGD, random inpainting). The estimate is the one the run bar shows before the
 * run (`plan.estimate.seconds` from run.start, or the plan priced in the tab for the browser);
 * measured is the run's own time (`finished.seconds`: every node, the model's opening and, in
 * the browser, its download). Each configuration runs REPEATS times with fresh seeds (no output
 * cache), so the table shows the first estimate and how the ones after it learnt from the runs.
 * Also shown: what the estimate was before calibration (the prior's FLOPs at a nominal 150
 * GFLOP/s, sampler calls only). Writes bench/results/estimate.md.
 *
 * Needs the app running with the test routes, on a data dir whose calibration you want measured
 * (delete <data dir>/throughput-server.json first to include the first-start calibration):
 *   SPGD_TEST_ROUTES=1 npm run serve -- -p 3600 &   # after npm run build (not `next start`: it lacks
 *                                                   # the gate's headers, so the browser's wasm runs 1 thread)
 *   BASE=http://localhost:3600 npx tsx bench/estimate.bench.ts
 * Options (env): BASE, REPEATS (3), BROWSER (1: include the browser), OUT.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

const BASE = process.env.BASE ?? 'http://localhost:3600';
const REPEATS = Number(process.env.REPEATS ?? 3);
const BROWSER = process.env.BROWSER !== '0';
const OUT = process.env.OUT ?? 'bench/results/estimate.md';

interface Config {
  backend: 'server' | 'browser-wasm';
  size: number;
  steps: number;
  warmup: number;
}

/** Sized so each run takes tens of seconds on the reference 2-core box. */
const CONFIGS: Config[] = [
  { backend: 'server', size: 64, steps: 20, warmup: 3 },
  { backend: 'server', size: 128, steps: 8, warmup: 3 },
  { backend: 'server', size: 256, steps: 3, warmup: 2 },
  ...(BROWSER ? [{ backend: 'browser-wasm' as const, size: 64, steps: 10, warmup: 3 }] : []),
];

interface RunSnapshot {
  runId: string | null;
  status: string;
  backend?: string;
  expected?: { seconds: number };
  finished?: { seconds: number; nfe?: number | { forward: number; vjp: number } };
  fromCache?: boolean;
  error?: { message: string };
}

interface Row {
  config: Config;
  k: number;
  backend: string;
  estimated: number;
  measured: number;
  nominal: number;
  wall: number;
  calls: number;
}

async function state(page: Page): Promise<RunSnapshot> {
  return page.evaluate(() => (window as unknown as { __spgdBrowser: { state(): RunSnapshot } }).__spgdBrowser.state());
}

async function setParam(page: Page, node: string, param: string, value: string): Promise<void> {
  await page.getByTestId(`node-${node}`).click({ position: { x: 40, y: 10 } });
  await page.getByTestId(`param-${param}`).fill(value);
  await page.keyboard.press('Escape');
}

/** The estimate as it was before this work: the sampler's calls priced from the prior's FLOPs at 150 GFLOP/s. */
function nominalSeconds(c: Config, nfe: { forward: number; vjp: number }): number {
  const flops = (1_150_384_128 / (64 * 64)) * c.size * c.size;
  return ((nfe.forward - nfe.vjp + 2.5 * nfe.vjp) * flops) / 150e9;
}

async function runOnce(page: Page, c: Config, k: number): Promise<Row> {
  await setParam(page, 'img', 'size', String(c.size));
  await setParam(page, 'sched', 'steps', String(c.steps));
  await setParam(page, 'warm', 'steps', String(c.warmup));
  // A fresh sampler seed: nothing is served from the output cache.
  await setParam(page, 'spgd', 'seed', String(1000 + 97 * k + c.size));
  await page.getByTestId('backend-select').selectOption(c.backend);
  await page.waitForTimeout(800);
  const before = (await state(page)).runId;
  const t0 = Date.now();
  await page.getByTestId('run-button').click();
  for (;;) {
    const s = await state(page);
    if (s.runId !== before && (s.status === 'finished' || s.status === 'error' || s.status === 'cancelled')) {
      if (s.status !== 'finished' || !s.finished || !s.expected) throw new Error(`${c.backend} ${c.size}px run ${s.status}: ${s.error?.message ?? 'no result'}`);
      if (s.fromCache) throw new Error('a benchmark run came from the cache');
      const nfe = typeof s.finished.nfe === 'object' ? s.finished.nfe : { forward: s.finished.nfe ?? 0, vjp: 0 };
      return { config: c, k, backend: s.backend ?? c.backend, estimated: s.expected.seconds, measured: s.finished.seconds, nominal: nominalSeconds(c, nfe), wall: (Date.now() - t0) / 1000, calls: nfe.forward };
    }
    if (Date.now() - t0 > 1_200_000) throw new Error(`${c.backend} run did not finish in 20 min`);
    await page.waitForTimeout(300);
  }
}

function table(rows: Row[]): string {
  const lines = [
    '| backend | size | T x N | run | estimated s | measured s | measured / estimated | before: nominal s (measured / nominal) |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ratio = r.measured / r.estimated;
    const ok = ratio >= 0.77 && ratio <= 1.3 ? '' : ' (outside 0.77-1.3)';
    lines.push(
      `| ${r.backend} | ${r.config.size} | ${r.config.steps} x ${r.config.warmup} | ${r.k + 1} | ${r.estimated.toFixed(1)} | ${r.measured.toFixed(1)} | **${ratio.toFixed(2)}**${ok} | ${r.nominal.toFixed(1)} (${(r.measured / r.nominal).toFixed(1)}) |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1600, height: 950 } })).newPage();
  await page.goto(`${BASE}/test/browser-bench`, { timeout: 180_000 });
  await page.getByTestId('editor').and(page.locator('[data-ready="true"]')).waitFor({ timeout: 180_000 });
  const rows: Row[] = [];
  const load: string[] = [];
  for (const c of CONFIGS) {
    for (let k = 0; k < REPEATS; k++) {
      const r = await runOnce(page, c, k);
      rows.push(r);
      load.push(os.loadavg()[0].toFixed(1));
      console.log(`${r.backend} ${c.size}px run ${k + 1}: estimated ${r.estimated.toFixed(1)} s, measured ${r.measured.toFixed(1)} s, ratio ${(r.measured / r.estimated).toFixed(2)} (load ${load.at(-1)})`);
    }
  }
  await browser.close();

  const inRange = rows.filter((r) => r.measured / r.estimated >= 0.77 && r.measured / r.estimated <= 1.3).length;
  const firsts = rows.filter((r) => r.k === 0);
  const md = `# Estimate accuracy: measured / estimated

Generated by \`bench/estimate.bench.ts\` on ${new Date().toISOString()} (${os.cpus().length} CPU cores: ${os.cpus()[0]?.model ?? 'cpu'}; Chromium headless via Playwright for the browser runs; 1-minute load average during the runs: ${load.join(', ')}; the box is shared).

Runs through the editor, as a user makes them: the built-in SPGD random-inpainting graph with the shipped prior (\`e2e/fixtures/browser-bench.json\`), at the size and T x N given, with a fresh sampler seed per run (nothing comes from the output cache). **estimated** is what the run bar shows before the run: \`plan.estimate.seconds\` from \`run.start\` (server) or the plan priced in the tab with the browser's own measured speed, including the model's download and opening when they are still to come (browser). **measured** is the run's own time (\`finished.seconds\`: every node, opening the model, downloading it in the browser). Runs 2 and 3 of each size show the estimate after learning from the runs before it. **before** is the estimate this replaced (the prior's FLOPs at a nominal 150 GFLOP/s, sampler calls only) and how far off it was.

${table(rows)}

**${inRange} of ${rows.length} runs within 0.77-1.3** (first run of each configuration: ${firsts.map((r) => (r.measured / r.estimated).toFixed(2)).join(', ')}).

## How the estimate is made

- Speeds come from a short calibration at the server's first start (\`nodes/calibrate.ts\`: the prior's plain forward, fused forward + VJP and forward + separate VJP calls timed one by one at 64 and 128 px, each operator's A + A^T and proximal step, the sampler's own work per step, and opening the model), kept in \`<data dir>/throughput-server.json\`; the browser calibrates itself once per provider at 64 px (kept in localStorage). Other sizes are priced by the prior's FLOPs from the nearest measured one.
- Every node counts: samplers by their calls, other node types by their seconds in earlier runs, cached nodes as free, a model not yet open by its measured opening time, and in the browser the download at the measured rate unless Cache Storage holds the model.
- Every finished run refines the table: a sampler's real / priced ratio becomes the correction for its model and size (blended with the earlier ones), so the estimate follows the machine's load.
- The machine these numbers come from is shared with other work and its load changes by several times within minutes; the learnt correction follows it with one run of delay.
`;
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, md);
  console.log(`wrote ${OUT}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
