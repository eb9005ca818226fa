/**
 * Load mask widget: a thumbnail of the mask (white = kept, black = missing) and the button that
 * opens the mask painter over the photo the mask applies to.
 */
import { memo, useEffect, useState } from 'react';

import type { NodeWidgetProps } from '../widget';
import { imageSourceUrl } from '../../lib/image/source-url';

/**
 * A mask that arrived inside a graph is on the server only once the graph has been compiled
 * (which the editor does right after loading it): retries, further apart each time (~20 s in all).
 */
const RETRIES = 6;
const RETRY_MS = 1000;

function MaskThumb({ nodeId, url }: { nodeId: string; url: string }) {
  const [attempt, setAttempt] = useState(0);
  const [failed, setFailed] = useState(false);
  const [retryPending, setRetryPending] = useState(false);
  useEffect(() => {
    if (!retryPending) return;
    const t = setTimeout(
      () => {
        setRetryPending(false);
        setAttempt((a) => a + 1);
      },
      RETRY_MS * (attempt + 1),
    );
    return () => clearTimeout(t);
  }, [retryPending, attempt]);
  if (failed) return null;
  return (
    <img
      src={attempt ? `${url}?attempt=${attempt}` : url}
      alt="mask"
      onError={() => (attempt < RETRIES ? setRetryPending(true) : setFailed(true))}
      className="pixelated h-10 w-10 flex-none rounded border border-ink-700 bg-black object-contain"
      data-testid={`node-mask-thumb-${nodeId}`}
    />
  );
}

function LoadMaskWidget({ nodeId, params, openTool }: NodeWidgetProps) {
  const url = imageSourceUrl(params.source);
  return (
    <div className="mx-2 mb-1.5 flex items-center gap-2">
      {url && <MaskThumb key={url} nodeId={nodeId} url={url} />}
      {openTool && (
        <button
          type="button"
          className="nodrag rounded border border-ink-600 px-2 py-0.5 text-[11.5px] text-ink-300 hover:bg-ink-700"
          onClick={() => openTool('mask-painter')}
          title="Paint the missing pixels over the photo"
          data-testid={`node-paint-mask-${nodeId}`}
        >
          {url ? 'Edit mask' : 'Paint mask'}
        </button>
      )}
    </div>
  );
}

export default memo(LoadMaskWidget);
