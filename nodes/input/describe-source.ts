import type { CompileEnv, DescribeResult } from '../../lib/plan/node-run';

/** Compile-time facts of a loaded source: its real size, or why it cannot be loaded. */
export async function describeSource(source: string, port: string, env: CompileEnv, channels?: number): Promise<DescribeResult> {
  const d = await env.describeImage?.(source);
  if (!d) return {};
  if ('error' in d) return { errors: [d.error] };
  return { outputs: { [port]: { ...(channels ? { channels } : {}), height: d.height, width: d.width } } };
}
