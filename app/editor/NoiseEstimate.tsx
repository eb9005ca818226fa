'use client';
/**
 * "estimate" beside a noise-level param: asks the server for the noise of the photo in the node's
 * source param (`images.estimateNoise`, a robust Laplacian estimate), shows it and fills it in.
 */
import { useState } from 'react';
import { useTRPCClient } from '../trpc';
import { useEditor } from './store';
import { errorMessage } from './useServer';

export function NoiseEstimate({ source, onEstimate, testId }: { source: unknown; onEstimate: (sigmaY: number) => void; testId: string }) {
  const client = useTRPCClient();
  const [state, setState] = useState<{ busy: boolean; value?: number }>({ busy: false });
  const run = async () => {
    if (typeof source !== 'string') return;
    setState({ busy: true });
    try {
      const { sigmaY } = await client.images.estimateNoise.query({ source });
      const rounded = Number(sigmaY.toPrecision(3));
      setState({ busy: false, value: rounded });
      onEstimate(rounded);
    } catch (e) {
      setState({ busy: false });
      useEditor.getState().toast('error', `Noise estimate failed: ${errorMessage(e)}`);
    }
  };
  return (
    <div className="mt-0.5 flex items-center gap-2 text-[11px] text-ink-500">
      <button
        type="button"
        className="nodrag rounded border border-ink-600 px-1.5 py-0.5 text-ink-300 hover:bg-ink-700 disabled:opacity-40"
        disabled={state.busy || typeof source !== 'string'}
        onClick={() => void run()}
        data-testid={testId}
        title="Estimate the noise level of the photo (median absolute Laplacian on its flatter half)"
      >
        {state.busy ? '…' : 'estimate'}
      </button>
      {state.value !== undefined && <span data-testid={`${testId}-value`}>estimated {state.value}</span>}
    </div>
  );
}
