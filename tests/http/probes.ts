/**
 * Hostile and careless requests, as the HTTP tests send them: graphs that cost too much, bodies
 * that are too large, headers a browser on another site would send, big pictures.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { encodePng } from '../../lib/image';
import type { GraphDocument } from '../../lib/graph/document';
import { REPO } from './server';

/** The built-in SPGD preset on the shipped prior, turned to `size` px, T steps, N warm-up steps. */
export function presetGraph(o: { size?: number; steps?: number; warmup?: number; model?: string; seed?: number } = {}): GraphDocument {
  const file = path.join(REPO, 'presets', 'spgd-inpaint-random.json');
  const doc = (JSON.parse(fs.readFileSync(file, 'utf8')) as { document: GraphDocument }).document;
  doc.nodes.img.params.size = o.size ?? 32;
  doc.nodes.sched.params.steps = o.steps ?? 2;
  doc.nodes.warm.params.steps = o.warmup ?? 1;
  doc.nodes.prior.params.model = o.model ?? 'gaussian';
  doc.nodes.spgd.params.seed = o.seed ?? 0;
  return doc;
}

/** The preset graph plus `n` Resize nodes of `side` px fed by its image (a fan-out that costs memory). */
export function fanOut(n: number, side: number): GraphDocument {
  const doc = presetGraph();
  for (let i = 0; i < n; i++) {
    doc.nodes[`r${i}`] = { type: 'spgd:image/resize', typeVersion: 1, params: { width: side, height: side, mode: 'stretch' }, mode: 'active' };
    doc.edges.push({ from: { node: 'img', port: 'image' }, to: { node: `r${i}`, port: 'image' } });
  }
  return doc;
}

/** A graph whose sampler restores a `side` px image (a Resize between the loader and the measurement). */
export function largeImageGraph(side: number): GraphDocument {
  const doc = presetGraph();
  doc.nodes.big = { type: 'spgd:image/resize', typeVersion: 1, params: { width: side, height: side, mode: 'stretch' }, mode: 'active' };
  doc.edges = doc.edges.filter((e) => !(e.from.node === 'img' && e.to.node === 'sim'));
  doc.edges.push({ from: { node: 'img', port: 'image' }, to: { node: 'big', port: 'image' } }, { from: { node: 'big', port: 'image' }, to: { node: 'sim', port: 'image' } });
  return doc;
}

/** A PNG of width x height, nearly one colour (so a few KB for millions of pixels), made unique by `seed`. */
export function bigPng(width: number, height: number, seed: number): Uint8Array {
  const data = new Uint8Array(width * height * 3).fill(128);
  for (let k = 0; k < 64; k++) data[(seed * 7919 + k * 104_729) % data.length] = (seed * 31 + k) % 256;
  return encodePng({ width, height, data });
}

/**
 * A POST that declares `length` bytes and sends only the first MiB, then waits for the answer:
 * a server that reads before judging would wait for the rest.
 */
export function postDeclared(url: string, length: number, headers: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ status: number | 'no answer'; ms: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(length), ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body }));
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => {
      resolve({ status: 'no answer', ms: performance.now() - t0, body: '' });
      req.destroy();
    });
    req.write(Buffer.alloc(Math.min(length, 2 ** 20), 0x20));
  });
}

/** A GET with a Host header of our choosing (fetch does not let one set it). */
export function getWithHost(url: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { ...headers, host } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      })
      .on('error', reject);
  });
}

/** The bytes of a file's `spgd-graph` PNG text chunk (the embedded document). */
export function embeddedGraphBytes(png: Uint8Array): number {
  const text = Buffer.from(png).toString('latin1');
  const at = text.indexOf('spgd-graph\0');
  if (at < 0) return 0;
  // tEXt chunk: length (4 bytes) and type come before the keyword
  const len = Buffer.from(png.subarray(at - 8, at - 4)).readUInt32BE(0);
  return len - 'spgd-graph\0'.length;
}
