import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../lib/graph/document';
import { testGraph } from '../../nodes/testing';
import { maskPhoto } from './maskPhoto';

const photoInpaint = (JSON.parse(fs.readFileSync(new URL('../../presets/photo-inpaint.json', import.meta.url), 'utf8')) as { document: GraphDocument }).document;

describe('maskPhoto', () => {
  it('finds the photo restored through the mask operator (the Load measurement of builtin-photo-inpaint)', () => {
    expect(maskPhoto(photoInpaint, 'mask')).toEqual({ node: 'y', source: 'sample:photo-scratched' });
  });

  it('finds the clean image of a simulated measurement, at the size the graph resizes it to', () => {
    const doc = testGraph({ task: 'inpaint', size: 16, source: 'sample:chelsea' });
    doc.nodes.m = { type: 'spgd:input/load-mask', typeVersion: 1, params: { source: '' }, mode: 'active' };
    doc.edges.push({ from: { node: 'm', port: 'mask' }, to: { node: 'op', port: 'mask' } });
    expect(maskPhoto(doc, 'm')).toEqual({ node: 'img', source: 'sample:chelsea', size: { width: 16, height: 16 } });
  });

  it('is null when the mask reaches no photo (unwired, or its operator feeds nothing)', () => {
    const unwired = structuredClone(photoInpaint);
    unwired.edges = unwired.edges.filter((e) => e.from.node !== 'mask');
    expect(maskPhoto(unwired, 'mask')).toBeNull();
    const idle = structuredClone(photoInpaint);
    idle.edges = idle.edges.filter((e) => e.from.node !== 'operator');
    expect(maskPhoto(idle, 'mask')).toBeNull();
    expect(maskPhoto(photoInpaint, 'no-such-node')).toBeNull();
  });
});
