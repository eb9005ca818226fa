/** Load image widget: a thumbnail of a bundled sample (uploads show only their hash). */
import { memo, useState } from 'react';

import type { NodeWidgetProps } from '../widget';
import { sampleUrl } from './source-url';

function LoadImageWidget({ nodeId, params }: NodeWidgetProps) {
  const url = sampleUrl(params.source);
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
      <span className="truncate text-[10.5px] text-ink-400">{url.split('/').pop()}</span>
    </div>
  );
}

export default memo(LoadImageWidget);
