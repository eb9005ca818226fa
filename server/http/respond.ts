/** The answers the gate and the login endpoints write themselves: JSON, and a redirect after a form. */
import type { ServerResponse } from 'node:http';

export function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers }).end(JSON.stringify(body));
  return true;
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): true {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', ...headers }).end();
  return true;
}
