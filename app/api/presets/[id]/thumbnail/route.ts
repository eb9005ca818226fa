/**
 * A preset's thumbnail as an image: /api/presets/<id>/thumbnail (the URL `presets.list` gives),
 * so the list itself stays small. Thumbnails were checked to be PNG or JPEG when saved.
 */
import { presetThumbnail } from '../../../../../server/db/presets';
import { parseThumbnail } from '../../../../../server/presets';
import { getServices } from '../../../../../server/services';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const url = presetThumbnail(getServices().db, id);
  const thumb = url === null ? null : parseThumbnail(url);
  if (!thumb || 'error' in thumb) return new Response('not found', { status: 404 });
  return new Response(new Uint8Array(thumb.bytes), {
    headers: { 'content-type': `image/${thumb.format}`, 'cache-control': 'private, max-age=3600', 'cross-origin-resource-policy': 'same-origin' },
  });
}
