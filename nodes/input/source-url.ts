/**
 * Where the editor can fetch the picture of an image source: bundled samples are served from
 * /samples/<name>.png ('sample:default' is the astronaut, public/samples/README.md), uploads
 * ('sha256:<hex>') from /api/assets/<hex>.
 */

export function sampleUrl(source: unknown): string | null {
  if (typeof source !== 'string' || !source.startsWith('sample:')) return null;
  const name = source.slice('sample:'.length) === 'default' ? 'astronaut' : source.slice('sample:'.length);
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return null;
  return /\.(png|jpe?g)$/i.test(name) ? `/samples/${name}` : `/samples/${name}.png`;
}

export function sourceUrl(source: unknown): string | null {
  if (typeof source === 'string' && /^sha256:[0-9a-f]{64}$/.test(source)) return `/api/assets/${source.slice('sha256:'.length)}`;
  return sampleUrl(source);
}
