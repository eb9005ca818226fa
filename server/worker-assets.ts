/**
 * What `spgd worker` processes fetch from the server: any image or model it holds, by content
 * hash (uploads, the bundled samples, the shipped prior), at GET /api/worker/assets/<sha256>.
 * When SPGD_WORKER_TOKEN is set, a request must carry `Authorization: Bearer <that token>`
 * (compared in constant time); without it the route is as open as the rest of the app.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Services } from './services';

/** Whether an Authorization header carries the workers' token (always true when none is set). */
export function workerAuthorized(token: string | null, authorization: string | null): boolean {
  if (token === null) return true;
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1].trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

export function workerAssetResponse(services: Pick<Services, 'assets' | 'env'>, sha: string, authorization: string | null): Response {
  if (!workerAuthorized(services.env.workerToken, authorization)) {
    return new Response('this route needs the workers\' bearer token (SPGD_WORKER_TOKEN)', { status: 401, headers: { 'www-authenticate': 'Bearer' } });
  }
  if (!/^[0-9a-f]{64}$/.test(sha)) return new Response('bad asset id: expected a sha256 in hex', { status: 400 });
  const bytes = services.assets.bytesByHash(sha);
  if (!bytes) return new Response('not found', { status: 404 });
  return new Response(new Uint8Array(bytes), {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), 'cache-control': 'private, max-age=31536000, immutable' },
  });
}
