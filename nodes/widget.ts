/** What a node's custom editor widget (`<name>.widget.tsx`) receives from the canvas. */
export interface NodeWidgetProps {
  nodeId: string;
  params: Record<string, unknown>;
  preview?: { step: number; png: string };
  resultUrl?: string;
  running: boolean;
  setParam: (name: string, value: unknown) => void;
}
