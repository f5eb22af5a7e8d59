/**
 * The compute ceiling of the load benchmark (not a test): one process running `--runs` runs of a
 * config back to back on one Pipeline, with no server, queue or Redis, warmed up as a worker is
 * (one step at full size first). Prints one JSON line: each run's wall time (ms) and the
 * process's CPU time. `bench/load.ts` starts one, then two at once.
 *
 * Usage: node --import @oxc-node/core/register bench/bare-runs.ts --runs K --config '<json>'
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Pipeline, collectRun } from '@upshift/pipeline';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '4' }, config: { type: 'string', default: '{}' }, seed: { type: 'string', default: '0' } } });
const config = JSON.parse(values.config) as Record<string, unknown>;
const pipeline = new Pipeline();
await collectRun(pipeline.run({ steps: 1, backend: config['backend'] ?? 'auto', policy: 'none' }));
const cpu0 = process.cpuUsage();
const runs: number[] = [];
for (let i = 0; i < Number(values.runs); i++) {
  const t = performance.now();
  await collectRun(pipeline.run({ ...config, seed: Number(values.seed) + i }));
  runs.push(performance.now() - t);
}
const cpu = process.cpuUsage(cpu0);
pipeline.dispose();
await pipeline.whenIdle();
console.log(JSON.stringify({ runs, cpuMs: (cpu.user + cpu.system) / 1000 }));
process.exit(0);
