import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { GraphDocument } from '../../../lib/graph/document';
import { pngWithDocument } from '../../../lib/graph/files';
import { MemorySources } from '../../../lib/plan/memory-sources';
import type { RunMetrics } from '../../../lib/plan/types';
import { parseFlags } from '../args';
import { UsageError } from '../errors';
import { checkOutput, writeArray } from '../files';
import { applySets, fileParam, graphFileDocument, graphPriors, parseInputs, presetDocument, readInput, runDocument, type GraphRun } from '../graph-io';
import { progressReporter } from '../progress';

export const runHelp = `spgd run (--preset <id> | --graph <file.json|file.png>) [--input NODE=path ...] [--set NODE.param=value ...]
         --out <x.png|x.npy|folder/> [--prior default|<m.onnx>|gaussian] [--json] [--quiet]
  Runs a saved graph headless: a built-in or saved preset, an exported graph, or a result PNG with
  its graph embedded. --input gives a loader node (Load image, Load measurement, Load mask, Load
  kernel) a file: PNG / JPEG, or .npy; files the graph carries itself (a painted mask) need none. With a folder (--input y=photos/ --out restored/) the graph
  runs once per image and writes <name>.png into the --out folder. The output is the graph's
  result (its last sampler), full size; PNGs carry the graph.`;

const IMAGE_FILE = /\.(png|jpe?g|npy)$/i;

interface Row {
  input: string | null;
  out: string;
  metrics: RunMetrics;
  nfe: { forward: number; vjp: number };
  seconds: number;
}

export async function run(argv: string[]) {
  const f = parseFlags(argv, {
    preset: { type: 'string' },
    graph: { type: 'string' },
    input: { type: 'string', multiple: true },
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    prior: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (!f.preset === !f.graph) throw new UsageError('give exactly one of --preset and --graph');
  if (!f.out) throw new UsageError('missing --out');
  const doc = f.preset ? presetDocument(f.preset) : graphFileDocument(f.graph ?? '');
  applySets(doc, f.set);
  const inputs = parseInputs(f.input).map((i) => ({ ...i, ...fileParam(doc, i.node) }));
  const folders = inputs.filter((i) => existsSync(i.path) && statSync(i.path).isDirectory());
  if (folders.length > 1) throw new UsageError('only one --input may be a folder');
  const folder = folders.at(0);
  const outIsDir = folder !== undefined;
  if (outIsDir) mkdirSync(f.out, { recursive: true });
  else checkOutput(f.out, 'out', ['.png', '.npy']);
  const priors = await graphPriors(doc, f.prior);
  const quiet = f.quiet === true || f.json === true;

  const files = folder ? readdirSync(folder.path).filter((n) => IMAGE_FILE.test(n)).sort() : [null];
  if (folder && files.length === 0) throw new UsageError(`--input ${folder.node}=${folder.path}: no PNG, JPEG or .npy files`);
  const rows: Row[] = [];
  for (const [k, file] of files.entries()) {
    const sources = new MemorySources();
    const run: GraphDocument = structuredClone(doc);
    for (const i of inputs) {
      const path = i === folder && file !== null ? join(i.path, file) : i.path;
      run.nodes[i.node].params[i.name] = sources.add(readInput(path, i.asset));
    }
    const label = file ?? (f.preset ?? basename(f.graph ?? ''));
    const progress = progressReporter(files.length > 1 ? `[${k + 1}/${files.length}] ${label}` : label, quiet);
    const r = await runDocument(run, sources, priors, {
      onEvent: (e) => {
        if (e.type === 'progress') progress.update(e);
      },
    });
    progress.done();
    const out = outIsDir && file !== null ? join(f.out, `${basename(file, extname(file))}.png`) : f.out;
    writeResult(r, out, run);
    rows.push({ input: file, out, metrics: r.metrics, nfe: r.nfe, seconds: r.seconds });
  }

  if (f.json) console.log(JSON.stringify(rows.length === 1 ? rows[0] : { n: rows.length, runs: rows }));
  else for (const r of rows) console.log(`wrote ${r.out}: ${describe(r.metrics)}, ${r.nfe.forward} network calls (+${r.nfe.vjp} VJPs), ${r.seconds.toFixed(1)} s`);
}

/** The graph's result (its primary sampler's image) as PNG with the graph embedded, or .npy. */
function writeResult(r: GraphRun, out: string, doc: GraphDocument): void {
  const image = r.primary ? r.outputs.get(r.primary)?.image : undefined;
  if (image?.kind !== 'Image') throw new UsageError('the graph has no result: it needs a sampler (or Classical estimate) node');
  if (extname(out).toLowerCase() === '.npy') {
    writeArray(out, 'out', image.tensor);
    return;
  }
  try {
    writeFileSync(out, pngWithDocument(image.tensor, doc));
  } catch (e) {
    throw new UsageError(`--out ${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function describe(m: RunMetrics): string {
  const parts: string[] = [];
  if (m.psnr !== undefined) parts.push(`PSNR ${m.psnr.toFixed(2)} dB, SSIM ${(m.ssim ?? NaN).toFixed(4)}`);
  if (m.residual !== null) parts.push(`||A x - y|| ${m.residual.toPrecision(4)}${m.noiseFloor === undefined ? '' : ` (noise floor ${m.noiseFloor.toPrecision(4)})`}`);
  return parts.join(', ') || 'no metrics';
}
