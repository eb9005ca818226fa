/**
 * The SPGD Studio server: Next.js behind the HTTP gate (gate.ts), on one interface.
 *
 *   tsx server/http/serve.ts [-p PORT] [-H HOST] [--dev]      (npm start / npm run dev)
 *
 * It listens on SPGD_HOST (default 127.0.0.1; -H overrides it). Off loopback it refuses to start
 * unless credentials are configured (SPGD_AUTH_TOKEN, or users added with `spgd users add`),
 * so the API is never open to a network by accident. The port is -p, else PORT, else 3000.
 */
import http from 'node:http';
import { authRequired } from '../auth';
import { openDb } from '../db';
import { loadEnv } from '../env';
import { createGate } from './gate';
import { bindingProblem } from './hosts';
import { answer } from './respond';

interface Args {
  port: number;
  host?: string;
  dev: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { port: Number(process.env.PORT ?? 3000), dev: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-p' || a === '--port') out.port = Number(argv[++i]);
    else if (a === '-H' || a === '--hostname') out.host = argv[++i];
    else if (a === '--dev') out.dev = true;
    else throw new Error(`unknown argument '${a}' (use -p PORT, -H HOST, --dev)`);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error(`bad port '${String(out.port)}'`);
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Before Next.js loads: it reads NODE_ENV at import time.
  const env0 = process.env as Record<string, string | undefined>;
  env0.NODE_ENV ??= args.dev ? 'development' : 'production';
  const env = loadEnv();
  const host = args.host ?? env.host;
  const db = openDb(env.dbPath);
  const auth = { db, token: env.authToken };
  const problem = bindingProblem(host, authRequired(auth));
  if (problem) {
    console.error(`spgd: ${problem}`);
    process.exit(1);
  }

  const { default: next } = await import('next');
  const app = next({ dev: args.dev, dir: env.appRoot, hostname: host, port: args.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const gate = createGate({ env, auth, dev: args.dev });

  const server = http.createServer((req, res) => {
    gate(req, res)
      .then((answered) => (answered ? undefined : handle(req, res)))
      .catch((e: unknown) => {
        console.error(`${req.method ?? '?'} ${req.url ?? '?'} failed:`, e);
        if (!res.headersSent) answer(res, 500, { error: { message: 'internal server error (the details are in the server log)', status: 500 } });
        else res.end();
      });
  });
  // A run's first network calls (building a session at a large size) can hold the event loop
  // for seconds; with Node's 5 s keep-alive timeout, a request already sent on a kept-alive
  // connection in that time would have its connection closed under it (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  if (args.dev) {
    // Fast refresh's websocket: the same host check and credentials as any request.
    const upgrade = app.getUpgradeHandler();
    server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      const res = new http.ServerResponse(req);
      void gate(req, res).then((answered) => {
        if (answered) socket.destroy();
        else void upgrade(req, socket, head);
      });
    });
  }
  server.on('error', (e) => {
    console.error(`spgd: cannot listen on ${host}:${args.port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(args.port, host, () => {
    const mode = env.authToken ? 'bearer token or login' : authRequired(auth) ? 'users (login)' : 'none (loopback only)';
    console.log(`SPGD Studio on http://${host.includes(':') ? `[${host}]` : host}:${args.port} (credentials: ${mode})`);
  });
  const stop = () => {
    server.close();
    void app.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(`spgd: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
