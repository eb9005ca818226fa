/**
 * Base64 on plain bytes with the platform's `btoa` / `atob` (global in browsers and in Node),
 * so the engine, the editor and the server encode files the same way.
 */
import { SpgdError } from '../errors';

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  // Chunks keep String.fromCharCode's argument list short.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** @throws SpgdError BAD_INPUT when `text` is not base64. */
export function base64ToBytes(text: string): Uint8Array {
  let s: string;
  try {
    s = atob(text);
  } catch {
    throw new SpgdError('BAD_INPUT', 'not base64');
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
