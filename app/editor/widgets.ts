/**
 * Optional custom node widgets (nodes/<category>/<name>.widget.tsx), keyed by node type. A node
 * without one shows only its handles and a params summary; params are edited in the panel.
 */
import type { ComponentType } from 'react';
import loadImageWidget from '../../nodes/input/load-image.widget';
import saveImageWidget from '../../nodes/output/save-image.widget';
import samplerPreview from '../../nodes/sampler/preview.widget';

import type { NodeWidgetProps } from '../../nodes/widget';

export type { NodeWidgetProps };

export const NODE_WIDGETS: Readonly<Record<string, ComponentType<NodeWidgetProps>>> = {
  'spgd:input/load-image': loadImageWidget,
  'spgd:sampler/spgd': samplerPreview,
  'spgd:sampler/dps': samplerPreview,
  'spgd:sampler/diffpir': samplerPreview,
  'spgd:output/save-image': saveImageWidget,
};
