/**
 * Assets for distributed workers, by content hash (server/worker-assets.ts): uploads, samples
 * and the shipped prior; guarded by SPGD_WORKER_TOKEN when it is set.
 */
import { getServices } from '../../../../../server/services';
import { workerAssetResponse } from '../../../../../server/worker-assets';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(req: Request, ctx: { params: Promise<{ sha: string }> }) {
  const { sha } = await ctx.params;
  return workerAssetResponse(getServices(), sha, req.headers.get('authorization'));
}
