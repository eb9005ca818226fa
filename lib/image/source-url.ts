/**
 * Where the app serves an image source: 'sample:<name>' from /samples/<name>.png ('sample:default'
 * is the astronaut, public/samples/README.md), an upload 'sha256:<hex>' from /api/assets/<hex>.
 * Shared by the browser runner (it fetches them), the node thumbnails and the preset list.
 */

/** The URL of an image source, or null when it is not one the app serves. */
export function imageSourceUrl(source: unknown): string | null {
  if (typeof source !== 'string') return null;
  if (source.startsWith('sample:')) {
    const name = source.slice('sample:'.length) === 'default' ? 'astronaut' : source.slice('sample:'.length);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return null;
    return /\.(png|jpe?g)$/i.test(name) ? `/samples/${name}` : `/samples/${encodeURIComponent(name)}.png`;
  }
  return /^sha256:[0-9a-f]{64}$/.test(source) ? `/api/assets/${source.slice('sha256:'.length)}` : null;
}
