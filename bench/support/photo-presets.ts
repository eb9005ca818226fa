/**
 * The photo presets on their bundled degraded photos (`public/samples/photo-*.png`), scored
 * against the clean originals (`tests/fixtures/photos/`): the preset as shipped, and the same
 * graph with the Classical estimate node as its sampler. Used by `npm run bench:photos` and by
 * the test that keeps the presets ahead of the classical answer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphPriors, presetDocument, runDocument } from '../../bin/cli/graph-io';
import type { GraphDocument } from '../../lib/graph/document';
import { decodeImage, imageToTensor } from '../../lib/image';
import { imageSourceUrl } from '../../lib/image/source-url';
import { MemorySources } from '../../lib/plan/memory-sources';
import type { RunMetrics } from '../../lib/plan/types';
import type { Tensor } from '../../lib/tensor';
import classicalNode from '../../nodes/sampler/classical';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PhotoCase {
  preset: string;
  /** The clean original in tests/fixtures/photos/. */
  original: string;
  /** What the naive answer is, for the report. */
  naive: string;
}

export const PHOTO_CASES: readonly PhotoCase[] = [
  { preset: 'builtin-photo-sr-x4', original: 'coffee-200x148.png', naive: 'nearest-neighbour upsampling' },
  { preset: 'builtin-photo-inpaint', original: 'chelsea-170x134.png', naive: 'holes left black' },
  { preset: 'builtin-photo-deblur-gaussian', original: 'astronaut-128x96.png', naive: 'the blurred photo' },
  { preset: 'builtin-photo-deblur-motion', original: 'rocket-128x96.png', naive: 'the blurred photo' },
];

export interface PhotoRestoration {
  x: Tensor;
  metrics: RunMetrics;
  seconds: number;
  nfe: { forward: number };
}

export interface PhotoCaseResult {
  truth: Tensor;
  /** The degraded photo the preset loads. */
  y: Tensor;
  preset: PhotoRestoration;
  classical: PhotoRestoration;
}

const image = (path: string) => imageToTensor(decodeImage(readFileSync(join(ROOT, path))));

/** The same graph with its sampler swapped for the Classical estimate node (which takes no prior or schedule). */
export function classicalVariant(doc: GraphDocument): GraphDocument {
  const classical = structuredClone(doc);
  classical.nodes.sampler = { type: classicalNode.type, typeVersion: 1, params: {}, mode: 'active' };
  classical.edges = classical.edges.filter((e) => !(e.to.node === 'sampler' && (e.to.port === 'prior' || e.to.port === 'schedule')));
  return classical;
}

export async function runPhotoCase(c: PhotoCase): Promise<PhotoCaseResult> {
  const doc = presetDocument(c.preset);
  const priors = await graphPriors(doc, undefined);
  const restore = async (d: GraphDocument): Promise<PhotoRestoration> => {
    const r = await runDocument(d, new MemorySources(), priors);
    const out = r.primary ? r.outputs.get(r.primary)?.image : undefined;
    if (out?.kind !== 'Image') throw new Error(`${c.preset} gave no image`);
    return { x: out.tensor, metrics: r.metrics, seconds: r.seconds, nfe: r.nfe };
  };
  // The bundled photo as the app serves it (public/ + /samples/<name>.png).
  const served = imageSourceUrl(doc.nodes.y.params.source);
  if (!served?.startsWith('/samples/')) throw new Error(`${c.preset} does not load a bundled sample`);
  return {
    truth: image(`tests/fixtures/photos/${c.original}`),
    y: image(join('public', served)),
    preset: await restore(doc),
    classical: await restore(classicalVariant(doc)),
  };
}
