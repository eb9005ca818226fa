/**
 * Builds the production app once before the HTTP tests (`npm run build`: the ONNX Runtime Web
 * files, then `next build`). SPGD_HTTP_REUSE_BUILD=1 takes the existing .next/ as it is (CI does,
 * right after the end-to-end tests built the same tree).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './server';

export default function setup(): void {
  if (process.env.SPGD_HTTP_REUSE_BUILD === '1' && fs.existsSync(path.join(REPO, '.next', 'BUILD_ID'))) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) throw new Error(`npm run build failed (${String(r.status)})`);
}
