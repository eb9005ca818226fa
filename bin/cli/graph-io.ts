/**
 * Saved graphs for the command line (`spgd run`, `spgd eval --preset`): reading them (a built-in
 * or saved preset, a JSON file, a PNG with an embedded graph), giving their loader nodes the
 * user's files (`--input NODE=path`), setting params (`--set NODE.param=value`), and running
 * them through the same compile / execute path as the editor, with the files held in memory and
 * named by content (the user's, and those the graph carries itself).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { GraphDocument } from '../../lib/graph/document';
import { assetLabel, type EmbeddedAsset } from '../../lib/graph/embedded-assets';
import { documentFromFile, parseDocument } from '../../lib/graph/files';
import { decodeImage, greyPlane, imageToTensor } from '../../lib/image';
import { isNpy, parseNpy } from '../../lib/io/npy';
import type { ExecuteResult } from '../../lib/plan/execute';
import { MemorySources } from '../../lib/plan/memory-sources';
import type { Plan } from '../../lib/plan/types';
import { runGraph, type RunGraphOptions } from '../../lib/plan/run-graph';
import type { Tensor } from '../../lib/tensor';
import { getNodeDefinition } from '../../nodes';
import { assetParams } from '../../nodes/input/sources';
import { NODE_KIT } from '../../nodes/runs';
import { getPreset } from '../../server/db/presets';
import { loadEnv } from '../../server/env';
import { UsageError } from './errors';
import { readArray, readPlane } from './files';
import { openPrior, type CliPrior } from './prior';

const PRESETS_DIR = fileURLToPath(new URL('../../presets/', import.meta.url));
const SAMPLES_DIR = fileURLToPath(new URL('../../public/samples/', import.meta.url));

/** A built-in preset (presets/*.json), else a preset saved in the editor's database (read-only). */
export function presetDocument(id: string): GraphDocument {
  for (const file of readdirSync(PRESETS_DIR).filter((f) => f.endsWith('.json'))) {
    const raw = JSON.parse(readFileSync(join(PRESETS_DIR, file), 'utf8')) as { id?: unknown };
    if (raw.id === id) return parsedOrThrow(parseDocument(raw, getNodeDefinition), `--preset ${id}`);
  }
  const { dbPath } = loadEnv();
  if (dbPath !== ':memory:' && existsSync(dbPath)) {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const row = getPreset(db, id);
      if (row) return parsedOrThrow(parseDocument(row.document, getNodeDefinition), `--preset ${id}`);
    } finally {
      db.close();
    }
  }
  const builtins = readdirSync(PRESETS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => (JSON.parse(readFileSync(join(PRESETS_DIR, f), 'utf8')) as { id: string }).id);
  throw new UsageError(`--preset ${id}: no such preset (built-in: ${builtins.join(', ')}; saved presets are read from ${dbPath})`);
}

/** A graph file: JSON (a document or a preset export) or a PNG with the graph embedded. */
export function graphFileDocument(path: string): GraphDocument {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`--graph ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parsedOrThrow(documentFromFile(bytes, path, getNodeDefinition), `--graph ${path}`);
}

function parsedOrThrow(r: ReturnType<typeof parseDocument>, what: string): GraphDocument {
  if (!r.ok) throw new UsageError(`${what}: ${r.error}`);
  return r.doc;
}

/** `--input NODE=path` pairs. */
export function parseInputs(values: readonly string[] | undefined): { node: string; path: string }[] {
  return (values ?? []).map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0 || eq === kv.length - 1) throw new UsageError(`bad --input '${kv}': expected NODE=path`);
    return { node: kv.slice(0, eq), path: kv.slice(eq + 1) };
  });
}

/** The node's param that a file replaces, or a UsageError naming the nodes that take files. */
export function fileParam(doc: GraphDocument, node: string): { name: string; asset: 'image' | 'array' } {
  const loaders = Object.entries(doc.nodes).flatMap(([id, n]) => {
    const def = getNodeDefinition(n.type);
    const p = def ? assetParams(def.params).find((a) => a.asset !== 'model') : undefined;
    return p ? [{ id, name: p.name, asset: p.asset as 'image' | 'array' }] : [];
  });
  const hit = loaders.find((l) => l.id === node);
  if (hit) return hit;
  const which = loaders.map((l) => l.id).join(', ') || 'none';
  if (!Object.hasOwn(doc.nodes, node)) throw new UsageError(`--input ${node}=...: the graph has no node '${node}' (nodes that take a file: ${which})`);
  throw new UsageError(`--input ${node}=...: node '${node}' takes no file (nodes that take a file: ${which})`);
}

/** Reads a file for a loader param: an image (PNG / JPEG, or a .npy [3, h, w] measurement) or an array (mask, kernel). */
export function readInput(path: string, asset: 'image' | 'array'): Tensor {
  return asset === 'image' ? readArray(path, 'input') : readPlane(path, 'input');
}

/** `--set NODE.param=value`: numbers and true/false typed, the rest strings. */
export function applySets(doc: GraphDocument, values: readonly string[] | undefined): void {
  for (const kv of values ?? []) {
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)=(.*)$/s.exec(kv);
    if (!m) throw new UsageError(`bad --set '${kv}': expected NODE.param=value`);
    const [, node, param, raw] = m;
    if (!Object.hasOwn(doc.nodes, node)) throw new UsageError(`--set ${kv}: the graph has no node '${node}' (nodes: ${Object.keys(doc.nodes).join(', ')})`);
    const v = raw.trim();
    doc.nodes[node].params[param] = v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : raw;
  }
}

/** The priors a graph names, opened once: `--prior` replaces them all; else 'default' / 'gaussian'. */
export async function graphPriors(doc: GraphDocument, flag: string | undefined): Promise<Map<string, CliPrior>> {
  const priors = new Map<string, CliPrior>();
  const models = new Set<string>();
  for (const n of Object.values(doc.nodes)) {
    const def = getNodeDefinition(n.type);
    const param = def ? assetParams(def.params).find((a) => a.asset === 'model') : undefined;
    if (!param) continue;
    if (flag !== undefined) {
      const p = priors.get(flag) ?? (await openPrior(flag));
      priors.set(flag, p);
      n.params[param.name] = p.model;
      models.add(p.model);
    } else models.add(typeof n.params[param.name] === 'string' ? (n.params[param.name] as string) : 'default');
  }
  for (const m of models) {
    if (priors.has(m) || [...priors.values()].some((p) => p.model === m)) continue;
    if (m !== 'default' && m !== 'gaussian') throw new UsageError(`the graph's prior is ${m}, an upload of the server: pass the ONNX file with --prior <model.onnx>`);
    priors.set(m, await openPrior(m));
  }
  const byModel = new Map<string, CliPrior>();
  for (const p of priors.values()) byModel.set(p.model, p);
  return byModel;
}

export interface GraphRun extends ExecuteResult {
  plan: Plan;
}

/** A file the graph carries (`assets[sha].data`) as the server would load it: a picture, or a .npy as stored. */
function readEmbedded(bytes: Uint8Array): { tensor: Tensor; picture: boolean } {
  if (!isNpy(bytes)) return { tensor: imageToTensor(decodeImage(bytes)), picture: true };
  const { shape, data } = parseNpy(bytes);
  return { tensor: { shape, data: Float32Array.from(data) }, picture: false };
}

/**
 * Runs a document whose inputs are in `sources` (bundled samples load from public/samples, the
 * files the graph carries from the graph itself).
 */
export async function runDocument(doc: GraphDocument, sources: MemorySources, priors: Map<string, CliPrior>, options: RunGraphOptions = {}): Promise<GraphRun> {
  const embedded = new Map<string, { tensor: Tensor; picture: boolean }>();
  const storeEmbeddedAssets = (files: EmbeddedAsset[]) =>
    files.flatMap((f) => {
      try {
        embedded.set(`sha256:${f.sha256}`, readEmbedded(f.bytes));
        return [];
      } catch (e) {
        return [`${assetLabel(f.sha256, f.name)}: ${(e as Error).message}`];
      }
    });
  const sample = (source: string): Tensor | null => {
    if (!source.startsWith('sample:')) return null;
    const name = source.slice(7) === 'default' ? 'astronaut' : source.slice(7);
    const file = join(SAMPLES_DIR, `${name}.png`);
    return existsSync(file) ? imageToTensor(decodeImage(readFileSync(file))) : null;
  };
  const load = (source: string): Tensor => {
    const s = sample(source) ?? embedded.get(source)?.tensor;
    if (s) return s;
    if (source.startsWith('sha256:')) return sources.get(source);
    throw new UsageError(`the graph loads ${source}, which is not a bundled sample: give the file with --input NODE=path`);
  };
  // Pictures as masks or kernels: grey levels in [0, 1], as the server reads uploads.
  const isPicture = (source: string) => source.startsWith('sample:') || embedded.get(source)?.picture === true;
  const prior = (model: string): CliPrior => {
    const p = priors.get(model);
    if (!p) throw new UsageError(`no prior ${model}`);
    return p;
  };
  return runGraph(
    doc,
    NODE_KIT,
    {
      describeImage: (source) => {
        const s = sample(source) ?? embedded.get(source)?.tensor;
        if (s) return { height: s.shape[s.shape.length - 2], width: s.shape[s.shape.length - 1] };
        if (source.startsWith('sample:')) return { error: `there is no bundled sample '${source.slice(7)}'` };
        const d = sources.describe(source);
        const node = Object.entries(doc.nodes).find(([, n]) => Object.values(n.params).includes(source))?.[0] ?? 'NODE';
        return 'error' in d ? { error: `${source} is not here: give the file with --input ${node}=path` } : d;
      },
      inspectPrior: (model, size) => prior(model).inspect(model, size),
      storeEmbeddedAssets,
    },
    {
      loadImage: (source) => new Promise((resolve) => resolve(load(source))),
      loadArray: (source) => new Promise((resolve) => resolve(isPicture(source) ? greyPlane(load(source)) : load(source))),
      loadPrior: (model) => prior(model).load(model),
    },
    options,
  );
}
