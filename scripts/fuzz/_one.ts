import { runTarget } from './engine.js';
import type { TargetName } from './targets.js';
Error.stackTraceLimit = 3;
const r = runTarget(process.argv[2] as TargetName, { inputs: Number(process.argv[3]), seed: Number(process.argv[4] ?? 1) });
console.log(JSON.stringify({ ...r, findings: r.findings }, null, 1));
