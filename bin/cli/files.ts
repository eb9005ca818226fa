/** File I/O for the command line: images and .npy arrays to and from engine tensors. */
import { accessSync, constants, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { SpgdError } from '../../lib/errors';
import { decodeImage, encodePng } from '../../lib/image/codec';
import { fitToSquare, greyPlane, imageToTensor, tensorToImage } from '../../lib/image/convert';
import { encodeNpy, parseNpy } from '../../lib/io/npy';
import { tensor, type Tensor } from '../../lib/tensor';
import { UsageError } from './errors';

function readBytes(path: string, flag: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
}

/** Decode a PNG/JPEG into [3, H, W] in [-1, 1]; optionally resize/crop to size x size. */
export function readImage(path: string, flag: string, size?: number): Tensor {
  try {
    const t = imageToTensor(decodeImage(readBytes(path, flag)));
    return size ? fitToSquare(t, size) : t;
  } catch (e) {
    if (e instanceof SpgdError) throw new SpgdError(e.code, `--${flag} ${path}: ${e.message}`);
    throw e;
  }
}

/** A tensor from .npy (as stored) or from an image file (as [3, H, W] in [-1, 1]). */
export function readArray(path: string, flag: string): Tensor {
  if (extname(path).toLowerCase() !== '.npy') return readImage(path, flag);
  try {
    const { shape, data } = parseNpy(readBytes(path, flag));
    return tensor(shape, data);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new SpgdError('BAD_INPUT', `--${flag} ${path}: ${(e as Error).message}`);
  }
}

/**
 * A mask or kernel: .npy as stored, or a picture as grey levels in [0, 1] (for masks: white =
 * kept); the Load mask / Load kernel nodes check and normalise it.
 */
export function readPlane(path: string, flag: string): Tensor {
  if (extname(path).toLowerCase() === '.npy') return readArray(path, flag);
  return greyPlane(readImage(path, flag));
}

/** Checks before a run that `path` can be written with one of `exts` (so a long run does not end in a bad --out). */
export function checkOutput(path: string, flag: string, exts: readonly string[]): void {
  const ext = extname(path).toLowerCase();
  if (!exts.includes(ext)) throw new UsageError(`--${flag} ${path}: unsupported extension '${ext || '(none)'}' (use ${exts.join(' or ')})`);
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--${flag} ${path}: ${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--${flag} ${path}: ${code === 'ENOENT' ? `no directory ${dir}` : `cannot write to ${dir} (${code})`}`);
  }
}

/** Write a tensor as .npy (float32, as is) or .png ([3, H, W] in [-1, 1], clipped and quantised). */
export function writeArray(path: string, flag: string, t: Tensor): void {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  if (ext === '.npy') bytes = encodeNpy(t.shape, t.data);
  else if (ext === '.png') {
    if (t.shape.length !== 3 || t.shape[0] !== 3) throw new UsageError(`--${flag} ${path}: a [${t.shape.join(', ')}] array cannot be written as PNG; use .npy`);
    bytes = encodePng(tensorToImage(t));
  } else throw new UsageError(`--${flag} ${path}: unsupported extension '${ext || '(none)'}' (use .npy or .png)`);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
