/**
 * Param schemas for what a node loads from outside the graph: a bundled sample or an upload,
 * referenced by content hash. The `asset` metadata picks the editor's picker (thumbnails and
 * upload for images and arrays, the model list for priors).
 */
import { z } from 'zod';

export type AssetKind = 'image' | 'array' | 'model';

/** 'sample:<name>' (a bundled image) or 'sha256:<hex>' (an upload). */
const IMAGE_SOURCE = /^(sample:[A-Za-z0-9_-]+|sha256:[0-9a-f]{64})$/;

/** An image: a bundled sample or an uploaded PNG / JPEG (or a measurement's .npy). */
export const imageSource = (fallback: string) =>
  z
    .string()
    .regex(IMAGE_SOURCE, "must be 'sample:<name>' or 'sha256:<hex of an upload>'")
    .meta({ asset: 'image' satisfies AssetKind })
    .default(fallback);

/** A mask or kernel: a bundled picture, an uploaded PNG or .npy ('' until one is chosen). */
export const arraySource = () =>
  z
    .string()
    .refine((s) => s === '' || IMAGE_SOURCE.test(s), "must be 'sample:<name>' or 'sha256:<hex of an upload>'")
    .meta({ asset: 'array' satisfies AssetKind })
    .default('');

/** A prior: 'default' (shipped), 'gaussian' (analytic, for checks) or 'sha256:<hex>' of an uploaded ONNX file. */
export const modelSource = () => z.string().min(1).max(100).meta({ asset: 'model' satisfies AssetKind }).default('default');

/** The upload a node needs before it can run, as a compile-time problem. */
export function missingUpload(source: string, what: string): string[] {
  return source === '' ? [`choose or upload a ${what}`] : [];
}

/** Param metadata: the editor offers to estimate this value (a noise level) from the image in param `from`. */
export interface EstimateMeta {
  kind: 'noise';
  from: string;
}

export const noiseEstimateFrom = (from: string): { estimate: EstimateMeta } => ({ estimate: { kind: 'noise', from } });

/** The params of a node type that name an asset, with their kind (what a file given for the node replaces). */
export function assetParams(params: z.ZodObject): { name: string; asset: AssetKind }[] {
  const out: { name: string; asset: AssetKind }[] = [];
  const shape: Record<string, z.ZodType> = params.shape;
  for (const [name, schema] of Object.entries(shape)) {
    let s: z.ZodType | undefined = schema;
    // The metadata sits on the schema or inside its .default() wrapper.
    for (let depth = 0; s && depth < 4; depth++) {
      const asset = (s.meta() as { asset?: AssetKind } | undefined)?.asset;
      if (asset) {
        out.push({ name, asset });
        break;
      }
      s = (s as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
    }
  }
  return out;
}
