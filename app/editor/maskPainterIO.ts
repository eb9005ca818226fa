/**
 * What the mask painter paints over and starts from: the photo the mask applies to (found by
 * ./maskPhoto.ts) at the size the mask must have, and the node's current mask read back, from
 * the graph's own copy of the file when it carries one, otherwise from the server.
 */
import type { GraphDocument } from '../../lib/graph/document';
import { decodeImage, fitToSize, imageToTensor, tensorToImage, type RgbImage } from '../../lib/image';
import { blankMask, KEPT, maskFromPng, MISSING, type PaintMask } from '../../lib/image/mask-paint';
import { base64ToBytes } from '../../lib/io/base64';
import { isNpy, parseNpy } from '../../lib/io/npy';
import { imageSourceUrl } from '../../lib/image/source-url';
import { lookup } from './graph';
import type { MaskPhoto } from './maskPhoto';

/** The canvas offered when no photo is wired to the mask's operator. */
export const BLANK_SIZE = { width: 256, height: 256 };

export interface Painting {
  /** The photo at exactly the mask's size, or null (a blank canvas). */
  photo: RgbImage | null;
  /** The photo in words: its node and its file (an upload's name, or the sample). */
  photoLabel: string | null;
  width: number;
  height: number;
  /** The node's current mask at that size, or a blank one. */
  mask: PaintMask;
  /** What could not be used, in words (a photo that did not load, a mask of another size). */
  notices: string[];
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The bytes of a source: the graph's embedded copy, else the server's file. */
async function sourceBytes(source: string, assets: GraphDocument['assets']): Promise<Uint8Array> {
  const sha = /^sha256:([0-9a-f]{64})$/.exec(source)?.[1];
  const data = sha === undefined ? undefined : lookup(assets, sha)?.data;
  if (data !== undefined) return base64ToBytes(data);
  const url = imageSourceUrl(source);
  if (!url) throw new Error(`${source} is not a picture the editor can load`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${source} could not be loaded (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

/** An upload by the name it was uploaded under, a sample by its source. */
function fileName(source: string, assets: GraphDocument['assets']): string {
  const sha = /^sha256:([0-9a-f]{64})$/.exec(source)?.[1];
  if (sha === undefined) return source;
  return lookup(assets, sha)?.name ?? `${source.slice(0, 19)}…`;
}

/** A photo file (PNG, JPEG, or a measurement's .npy [3, H, W] in [-1, 1]) as 8-bit RGB. */
function photoImage(bytes: Uint8Array): RgbImage {
  if (!isNpy(bytes)) return decodeImage(bytes);
  const { shape, data } = parseNpy(bytes);
  return tensorToImage({ shape, data: Float32Array.from(data) });
}

/** A mask file (PNG, or a .npy [H, W] of 0/1) at the size it must have. */
function maskImage(bytes: Uint8Array, size: { width: number; height: number } | null): PaintMask {
  if (!isNpy(bytes)) return maskFromPng(bytes, size ?? undefined);
  const { shape, data } = parseNpy(bytes);
  if (shape.length !== 2) throw new Error(`a mask .npy is [H, W], this one is [${shape.join(', ')}]`);
  const [height, width] = shape;
  if (size && (width !== size.width || height !== size.height)) {
    throw new Error(`the mask is ${width}x${height} px but the photo is ${size.width}x${size.height} px`);
  }
  return { width, height, data: Uint8Array.from(data, (v) => (v >= 0.5 ? KEPT : MISSING)) };
}

/** Loads what the painter needs for a mask node whose `source` is `maskSource`. */
export async function loadPainting(photoRef: MaskPhoto | null, maskSource: unknown, assets: GraphDocument['assets']): Promise<Painting> {
  const notices: string[] = [];
  let photo: RgbImage | null = null;
  if (photoRef) {
    try {
      photo = photoImage(await sourceBytes(photoRef.source, assets));
      const s = photoRef.size;
      // A photo the graph resizes (a Load image with a size): paint over what the operator sees.
      if (s && (photo.width !== s.width || photo.height !== s.height)) photo = tensorToImage(fitToSize(imageToTensor(photo), s.height, s.width));
    } catch (e) {
      notices.push(`the photo could not be shown: ${errorText(e)}`);
    }
  }
  const size = photo ? { width: photo.width, height: photo.height } : (photoRef?.size ?? null);
  let mask: PaintMask | null = null;
  if (typeof maskSource === 'string' && maskSource !== '') {
    try {
      mask = maskImage(await sourceBytes(maskSource, assets), size);
    } catch (e) {
      notices.push(`the current mask is not used: ${errorText(e)}; starting from a blank one`);
    }
  }
  const { width, height } = size ?? (mask ? { width: mask.width, height: mask.height } : BLANK_SIZE);
  const label = photo && photoRef ? `${photoRef.node}: ${fileName(photoRef.source, assets)}` : null;
  return { photo, photoLabel: label, width, height, mask: mask ?? blankMask(width, height), notices };
}
