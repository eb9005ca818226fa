/**
 * Run artifacts (result PNGs with the graph embedded, Save image outputs, tensor .npy files)
 * from the data dir, read-only: /api/artifacts/runs/<runId>/<file>.
 */
import fs from 'node:fs';
import { getServices } from '../../../../server/services';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const TYPES: Record<string, string> = {
  png: 'image/png',
  npy: 'application/octet-stream',
  json: 'application/json',
};

export async function GET(_req: Request, ctx: { params: Promise<{ path: string[] }> }) {
  const { path: parts } = await ctx.params;
  const file = getServices().artifacts.resolve(parts.map((p) => decodeURIComponent(p)));
  if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) return new Response('not found', { status: 404 });
  const ext = file.slice(file.lastIndexOf('.') + 1).toLowerCase();
  return new Response(new Uint8Array(fs.readFileSync(file)), {
    headers: {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'cache-control': 'private, max-age=31536000, immutable',
      // The app is cross-origin isolated (COEP require-corp): allow these to load in it.
      'cross-origin-resource-policy': 'same-origin',
    },
  });
}
