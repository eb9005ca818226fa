/**
 * Custom node widgets (`<name>.widget.tsx`), by node type: client-only. A node without one shows
 * only its handles and a params summary; params are edited in the side panel.
 */
import type { ComponentType } from 'react';
import loadImage from './input/load-image';
import loadImageWidget from './input/load-image.widget';
import loadMask from './input/load-mask';
import loadMaskWidget from './input/load-mask.widget';
import saveImage from './output/save-image';
import saveImageWidget from './output/save-image.widget';
import classical from './sampler/classical';
import diffpir from './sampler/diffpir';
import dps from './sampler/dps';
import samplerPreview from './sampler/preview.widget';
import spgd from './sampler/spgd';
import type { NodeWidgetProps } from './widget';

const WIDGETS: ReadonlyMap<string, ComponentType<NodeWidgetProps>> = new Map([
  [loadImage.type, loadImageWidget],
  [loadMask.type, loadMaskWidget],
  [spgd.type, samplerPreview],
  [dps.type, samplerPreview],
  [diffpir.type, samplerPreview],
  [classical.type, samplerPreview],
  [saveImage.type, saveImageWidget],
]);

export function getNodeWidget(type: string): ComponentType<NodeWidgetProps> | undefined {
  return WIDGETS.get(type);
}
