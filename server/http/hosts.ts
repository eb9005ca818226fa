/**
 * The Host allow-list: a request must name this server, so a page on another site that makes
 * its own domain resolve to this machine (DNS rebinding) is refused. Allowed: localhost and its
 * subdomains, loopback addresses, the machine's own addresses and host name, and
 * SPGD_ALLOWED_HOSTS (exact names, or '.example.org' for a domain and its subdomains).
 */
import { isIP } from 'node:net';
import os from 'node:os';

/** 'Example.org:3000' -> 'example.org', '[::1]:3000' -> '::1'; null when there is no usable name. */
export function hostName(hostHeader: string | undefined): string | null {
  const h = (hostHeader ?? '').trim().toLowerCase();
  if (!h) return null;
  const v6 = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(h);
  if (v6) return v6[1];
  const m = /^([a-z0-9.-]+?)\.?(?::\d+)?$/.exec(h);
  return m ? m[1] : null;
}

export function isLoopback(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1' || name === '::ffff:127.0.0.1';
}

/** The machine's own addresses and name (looked up again at most every 30 s: interfaces come and go). */
function ownNames(): Set<string> {
  const now = Date.now();
  if (cache && now - cache.at < 30_000) return cache.names;
  const names = new Set<string>([os.hostname().toLowerCase()]);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase().replace(/%.*$/, ''));
  cache = { at: now, names };
  return names;
}
let cache: { at: number; names: Set<string> } | undefined;

export function isAllowedHost(hostHeader: string | undefined, extra: readonly string[]): boolean {
  const name = hostName(hostHeader);
  if (name === null) return false;
  if (isLoopback(name) || ownNames().has(name)) return true;
  return extra.some((e) => (e.startsWith('.') ? name === e.slice(1) || name.endsWith(e) : name === e));
}

/** Why the server must not listen on `host` with this configuration, or null. */
export function bindingProblem(host: string, credentials: boolean): string | null {
  if (isLoopback(host) || credentials) return null;
  return (
    `refusing to listen on ${host} without credentials: anyone on the network could use the API. ` +
    'Set SPGD_AUTH_TOKEN (16+ characters, e.g. `openssl rand -hex 32`), or add a user with `spgd users add NAME --admin`, ' +
    'or listen on 127.0.0.1 (SPGD_HOST)'
  );
}
