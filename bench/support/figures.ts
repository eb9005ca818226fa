/** Figures for benchmark reports: image grids and the gradient-angle chart, as PNG files. */
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { lineChartSvg } from '../../lib/diagnostics/svg-chart';
import { encodePng } from '../../lib/image/codec';
import { tensorToImage } from '../../lib/image/convert';
import type { StepTrace } from '../../lib/samplers';
import type { Tensor } from '../../lib/tensor';

/** Images side by side in one RGB PNG (all [3, H, W], same size), 4 px white gaps. */
export function gridPng(images: Tensor[]): Uint8Array {
  const [, h, w] = images[0].shape;
  const gap = 4;
  const W = images.length * (w + gap) - gap;
  const data = new Uint8Array(W * h * 3).fill(255);
  images.forEach((t, k) => {
    const img = tensorToImage(t);
    for (let y = 0; y < h; y++) data.set(img.data.subarray(y * w * 3, (y + 1) * w * 3), (y * W + k * (w + gap)) * 3);
  });
  return encodePng({ width: W, height: h, data });
}

/** The paper's Figure 2 for one SPGD run: conflict, fluctuation (raw and after ADM) and prior stability per step. */
export function angleChartSvg(title: string, trace: StepTrace[]): string {
  const pick = (key: 'conflict' | 'fluctuationRaw' | 'fluctuationAdm' | 'priorStability') => trace.map((t) => t[key]);
  return lineChartSvg(
    trace.map((t) => t.step),
    [
      { name: 'conflict', color: '#d62728', values: pick('conflict') },
      { name: 'fluctuation (raw)', color: '#1f77b4', values: pick('fluctuationRaw') },
      { name: 'fluctuation (ADM)', color: '#17becf', values: pick('fluctuationAdm') },
      { name: 'prior stability', color: '#2ca02c', values: pick('priorStability') },
    ],
    { title, xLabel: 'outer step', yLabel: 'degrees', yMin: 0, yMax: 180 },
  );
}

/** Rasterizes an SVG document (2x scale, system fonts) and writes it as PNG. */
export function writeSvgAsPng(path: string, svg: string): void {
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
  writeFileSync(path, png);
}
