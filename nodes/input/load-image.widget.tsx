/**
 * Load image widget: a thumbnail of the source. Bundled samples are served from
 * /samples/<name>.png ('sample:default' is the astronaut, public/samples/README.md); uploads
 * ('sha256:<hex>') have no static URL, so none is shown.
 */
import { memo, useState } from 'react';

import type { NodeWidgetProps } from '../widget';

function sampleUrl(source: unknown): string | null {
  if (typeof source !== 'string' || !source.startsWith('sample:')) return null;
  const name = source.slice('sample:'.length) === 'default' ? 'astronaut' : source.slice('sample:'.length);
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return null;
  return /\.(png|jpe?g)$/i.test(name) ? `/samples/${name}` : `/samples/${name}.png`;
}

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
