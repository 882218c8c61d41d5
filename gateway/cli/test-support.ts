import { runCli } from './program.js';

/** Runs the CLI in-process and captures what a technician would see. */
export async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[]; json: unknown[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  const json = out.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{') || l.startsWith('[')).map((l) => JSON.parse(l) as unknown);
  return { code, out, err, json };
}
