/** What a node's custom editor widget (`<name>.widget.tsx`) receives from the canvas. */
export interface NodeWidgetProps {
  nodeId: string;
  params: Record<string, unknown>;
  preview?: { step: number; png: string };
  resultUrl?: string;
  running: boolean;
  setParam: (name: string, value: unknown) => void;
  /** Opens one of the editor's tools on this node; absent where the canvas offers none. */
  openTool?: (tool: NodeTool) => void;
}

/** Editor tools a widget can open: the mask painter (app/editor/MaskPainter.tsx). */
export type NodeTool = 'mask-painter';
