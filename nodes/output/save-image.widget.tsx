/** Save image widget: the run's result image, the PNG that carries the graph. */
import { memo } from 'react';

import type { NodeWidgetProps } from '../widget';

function SaveImageWidget({ nodeId, resultUrl, params }: NodeWidgetProps) {
  if (!resultUrl) return <div className="mx-2 mb-1.5 text-[11px] text-ink-500">no result yet</div>;
  return (
    <a href={resultUrl} download={typeof params.filename === 'string' ? params.filename : 'restored.png'} className="nodrag mx-2 mb-1.5 mt-1 block" title="Download the PNG (graph embedded)">
      <img src={resultUrl} alt="result" className="pixelated mx-auto h-32 w-32 rounded border border-ink-700 object-contain" data-testid={`node-result-${nodeId}`} />
    </a>
  );
}

export default memo(SaveImageWidget);
