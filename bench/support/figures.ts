/** Figures for benchmark reports: image grids and the gradient-angle chart, as PNG files. */
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { lineChartSvg } from '../../lib/diagnostics/svg-chart';
import { encodePng } from '../../lib/image/codec';
import { tensorToImage } from '../../lib/image/convert';
import type { StepTrace } from '../../lib/samplers';
import type { Tensor } from '../../lib/tensor';

/** Height of the caption band above a labelled grid's tiles, px. */
const LABEL_BAND = 16;

/**
 * Images side by side in one RGB PNG (all [3, H, W], same size), 4 px white gaps. With `labels`
 * (one per image), each tile is captioned above in a white band (text by resvg, system fonts).
 */
export function gridPng(images: Tensor[], labels?: string[]): Uint8Array {
  const [, h, w] = images[0].shape;
  const gap = 4;
  const W = images.length * (w + gap) - gap;
  const data = new Uint8Array(W * h * 3).fill(255);
  images.forEach((t, k) => {
    const img = tensorToImage(t);
    for (let y = 0; y < h; y++) data.set(img.data.subarray(y * w * 3, (y + 1) * w * 3), (y * W + k * (w + gap)) * 3);
  });
  const tiles = encodePng({ width: W, height: h, data });
  if (!labels) return tiles;
  if (labels.length !== images.length) throw new Error(`gridPng: ${labels.length} labels for ${images.length} images`);
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const H = h + LABEL_BAND;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<image x="0" y="${LABEL_BAND}" width="${W}" height="${h}" image-rendering="optimizeSpeed" href="data:image/png;base64,${Buffer.from(tiles).toString('base64')}"/>`,
    ...labels.map(
      (label, k) =>
        `<text x="${k * (w + gap) + w / 2}" y="${LABEL_BAND - 4}" font-family="DejaVu Sans, Lato, sans-serif" font-size="11" text-anchor="middle" fill="#222">${escape(label)}</text>`,
    ),
    '</svg>',
  ].join('');
  return new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: true } }).render().asPng();
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
