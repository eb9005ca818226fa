/**
 * Load image widget: a thumbnail of the source, a bundled sample (/samples/<name>.png) or an
 * upload (/api/assets/<sha256>), with its name.
 */
import { memo, useState } from 'react';
import { imageSourceUrl } from '../../lib/image/source-url';
import type { NodeWidgetProps } from '../widget';

function LoadImageWidget({ nodeId, params }: NodeWidgetProps) {
  const url = imageSourceUrl(params.source);
  const [failed, setFailed] = useState<string | null>(null);
  if (!url || failed === url) return null;
  return (
    <div className="mx-2 mb-1.5 flex items-center gap-2">
      <img
        src={url}
        alt="source"
        onError={() => setFailed(url)}
        className="h-10 w-10 flex-none rounded border border-ink-700 object-cover"
        data-testid={`node-thumb-${nodeId}`}
      />
      <span className="truncate text-[10.5px] text-ink-400">{typeof params.source === 'string' && params.source.startsWith('sha256:') ? `upload ${params.source.slice(7, 15)}…` : url.split('/').pop()}</span>
    </div>
  );
}

export default memo(LoadImageWidget);
