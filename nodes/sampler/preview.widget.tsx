/**
 * Sampler widget: the latest preview of D (the x0 estimate) while a run is going, or the
 * final result afterwards. Shared by the SPGD, DPS and DiffPIR sampler nodes.
 */
import { memo } from 'react';

import type { NodeWidgetProps } from '../widget';

function SamplerPreview({ nodeId, preview, resultUrl, running }: NodeWidgetProps) {
  const src = running ? preview?.png : (resultUrl ?? preview?.png);
  if (!src) return null;
  return (
    <figure className="mx-2 mb-1.5 mt-1">
      <img src={src} alt="D preview" className="pixelated mx-auto h-32 w-32 rounded border border-ink-700 object-contain" data-testid={`node-preview-${nodeId}`} />
      <figcaption className="mt-0.5 text-center text-[10px] text-ink-400">{running && preview ? `D at step ${preview.step}` : 'result'}</figcaption>
    </figure>
  );
}

export default memo(SamplerPreview);
