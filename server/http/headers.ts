/**
 * Security headers on every response. The Content-Security-Policy carries a fresh nonce per
 * request: the gate also puts the policy on the request, where Next.js reads the nonce and adds
 * it to the inline scripts of the pages it renders, so no inline script runs without it.
 *
 * The editor's needs: its Web Worker and ONNX Runtime Web's threads load from this origin (and
 * may start from blob: URLs), wasm is compiled ('wasm-unsafe-eval'), pictures arrive as data: URLs,
 * React sets inline styles. Cross-origin isolation (COOP + COEP) gives ONNX Runtime Web its
 * SharedArrayBuffer for wasm threads.
 */
import { randomBytes } from 'node:crypto';

export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    `default-src 'self'`,
    // Development: React's fast refresh evaluates code.
    `script-src 'self' 'nonce-${nonce}' 'wasm-unsafe-eval'${dev ? ` 'unsafe-eval'` : ''}`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self' data:`,
    `connect-src 'self'${dev ? ' ws: wss:' : ''}`,
    `worker-src 'self' blob:`,
    `object-src 'none'`,
    `base-uri 'self'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
  ].join('; ');
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Headers for every response (the policy with this request's nonce). */
export function securityHeaders(nonce: string, dev: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(nonce, dev),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
