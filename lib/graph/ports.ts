/**
 * Port types: what flows along an edge. Each carries what the editor needs to refuse a bad
 * wire with a reason (an Image knows its size, an Operator the sizes it accepts).
 */
export const PORT_TYPES = ['Image', 'Operator', 'Measurement', 'Prior', 'Schedule', 'Warmup', 'Momentum', 'Mask', 'Kernel', 'Uncertainty', 'Trace', 'Metrics'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface PortSpec {
  name: string;
  type: PortType;
  /** Inputs only: may be left unconnected. */
  optional?: boolean;
  label?: string;
  description?: string;
}

/**
 * Static facts known about a value before running, used to check wires:
 * an Image's channels and size, an Operator's task and size rule, a Prior's accepted sizes.
 */
export interface PortFacts {
  channels?: number;
  /**
   * Images, masks and kernels: their size. Measurements: the size of y (not of the image it
   * restores). Operators: the image size they take, where their data fixes it (a mask).
   */
  height?: number;
  width?: number;
  /** Operators: the task and its parameters (the size an operator accepts depends on both). */
  task?: string;
  options?: Record<string, unknown>;
  /** Priors: images must be multiples of this (the network's downsampling factor). */
  sizeMultiple?: number;
  /** Priors: the model ('default' | 'gaussian' | 'sha256:<hex>'). */
  model?: string;
  /** Measurements: the noise level sigma_y on the [-1, 1] scale. */
  sigmaY?: number;
  /** Parameter bundles (Schedule, Warm-up, Momentum): the value itself, known from the params. */
  value?: Record<string, unknown>;
}
