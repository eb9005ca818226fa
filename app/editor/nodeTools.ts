/**
 * The editor tool a node widget opened (nodes/widget.ts `openTool`), e.g. the mask painter on a
 * Load mask node: one at a time, kept apart from the graph store since it is not part of the graph.
 */
import { create } from 'zustand';
import type { NodeTool } from '../../nodes/widget';

export interface OpenTool {
  tool: NodeTool;
  node: string;
}

export const useNodeTool = create<{ open: OpenTool | null }>()(() => ({ open: null }));

export function openNodeTool(tool: NodeTool, node: string): void {
  useNodeTool.setState({ open: { tool, node } });
}

export function closeNodeTool(): void {
  useNodeTool.setState({ open: null });
}
