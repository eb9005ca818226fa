/**
 * Uploaded assets by content hash, read-only: /api/assets/<sha256> gives the bytes of an
 * uploaded model (.onnx) or image, for the browser backend (which fetches what the server
 * would load from its asset store). Immutable: the URL is the content hash.
 */
import fs from 'node:fs';
import { getServices } from '../../../../server/services';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(_req: Request, ctx: { params: Promise<{ sha: string }> }) {
  const { sha } = await ctx.params;
  if (!/^[0-9a-f]{64}$/.test(sha)) return new Response('bad asset id', { status: 400 });
  const row = getServices().assets.asset(sha);
  if (!row || !fs.existsSync(row.path)) return new Response('not found', { status: 404 });
  const bytes = fs.readFileSync(row.path);
  const type = row.kind === 'model' ? 'application/octet-stream' : bytes[0] === 0xff ? 'image/jpeg' : 'image/png';
  return new Response(new Uint8Array(bytes), {
    headers: {
      'content-type': type,
      'content-length': String(bytes.length),
      'cache-control': 'private, max-age=31536000, immutable',
      'cross-origin-resource-policy': 'same-origin',
    },
  });
}
