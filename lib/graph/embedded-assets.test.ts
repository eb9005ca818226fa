import { describe, expect, it } from 'vitest';
import { testGraph } from '../../nodes/testing';
import { base64ToBytes, bytesToBase64 } from '../io/base64';
import { MAX_EMBEDDED_ASSET_BYTES } from './document';
import { embeddedAssets, embeddedData, referencedAssets, withoutUnusedData } from './embedded-assets';
import { sha256Hex } from './hash';
import { migrateDocument } from './migrate';

const file = new TextEncoder().encode('a painted mask, pretend PNG');
const sha = sha256Hex(file);
const data = bytesToBase64(file);

describe('embeddedAssets', () => {
  it('decodes the files a document carries and checks each against its key', () => {
    const r = embeddedAssets({ [sha]: { kind: 'image', name: 'mask.png', data }, ['b'.repeat(64)]: { kind: 'image', name: 'photo.png' } });
    expect(r.problems).toEqual([]);
    expect(r.files).toHaveLength(1);
    expect(r.files[0]).toMatchObject({ sha256: sha, name: 'mask.png' });
    expect(Array.from(r.files[0].bytes)).toEqual(Array.from(file));
  });

  it('names each asset it refuses and why: another file, a model, not base64', () => {
    const wrong = 'c'.repeat(64);
    const r = embeddedAssets({
      [wrong]: { kind: 'image', name: 'swapped.png', data },
      ['d'.repeat(64)]: { kind: 'model', name: 'prior.onnx', data },
      ['e'.repeat(64)]: { kind: 'image', name: 'broken.png', data: 'abcde' },
    });
    expect(r.files).toEqual([]);
    expect(r.problems).toEqual([
      expect.stringMatching(/^asset cccccccccccc… \("swapped\.png"\): its embedded data is another file \(sha256 [0-9a-f]{12}…\)/),
      expect.stringMatching(/"prior\.onnx"\): models do not travel inside a graph/),
      expect.stringMatching(/"broken\.png"\): its embedded data is not base64/),
    ]);
  });

  it('a document refuses data over the size bound where it is read, naming the limit', () => {
    const doc = testGraph();
    doc.assets = { [sha]: { kind: 'image', name: 'big.png', data: 'A'.repeat(4 * Math.ceil((MAX_EMBEDDED_ASSET_BYTES + 3) / 3)) } };
    expect(() => migrateDocument(doc)).toThrow(/assets\..*\.data: an embedded asset is at most 256 KiB/);
    expect(embeddedData(new Uint8Array(MAX_EMBEDDED_ASSET_BYTES)).data).toBeDefined();
    expect(embeddedData(new Uint8Array(MAX_EMBEDDED_ASSET_BYTES + 1))).toEqual({});
    expect(Array.from(base64ToBytes(embeddedData(file).data!))).toEqual(Array.from(file));
  });
});

describe('unused asset data', () => {
  it('finds the assets node params name and drops the data of the others, keeping their entries', () => {
    const doc = testGraph();
    const old = sha256Hex('the mask before');
    doc.nodes.img.params.source = `sha256:${sha}`;
    expect([...referencedAssets(doc.nodes)]).toEqual([sha]);
    const assets = withoutUnusedData(
      { [sha]: { kind: 'image', name: 'mask.png', data }, [old]: { kind: 'image', name: 'old mask.png', data, bytes: 3 } },
      doc.nodes,
    );
    expect(assets[sha].data).toBe(data);
    expect(assets[old]).toEqual({ kind: 'image', name: 'old mask.png', bytes: 3 });
  });
});
