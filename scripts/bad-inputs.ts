/**
 * The bad-input sweep (issue 10): every input a user can give, given wrong, through the real
 * surfaces: the `upshift` CLI (a child process per case, as a user runs it), the HTTP server
 * (`upshift serve` as a child process, real requests) and the library (`@upshift/pipeline`
 * runs and checkpoints on the cpu backend). Each case says what must happen: the CLI prints one
 * line naming the option (or config field) and the value and exits with 2 for a usage error,
 * early, leaving no file behind and no process running; the server answers 4xx naming the
 * field and the value; the library throws a ConfigError / CheckpointError naming the field and
 * the value and frees every tensor it made.
 *
 *   flock /work/cpu.lock node --import @oxc-node/core/register scripts/bad-inputs.ts
 *   ... scripts/bad-inputs.ts --only server,library --report docs/bad-inputs.md
 *   ... scripts/bad-inputs.ts --report docs/bad-inputs.md --before <an earlier run's output>
 *
 * Cases that need redis-server are skipped, with the reason printed, where it is missing.
 * Exit code: 0 when every case passes, 1 otherwise.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CheckpointError, ConfigError } from '../packages/core/src/index.ts';
import type { RunCheckpoint } from '../packages/core/src/index.ts';
import { Pipeline, collectRun, collectStage, decodeCheckpoint, encodeCheckpoint, checkpointToJson, preflightRun, withRecommendedSampling } from '../packages/pipeline/src/index.ts';
import { readModelConfig } from '../packages/models/src/index.ts';
import { configFromForm, demoFormDefaults } from '../apps/web/src/demo-form.ts';
import type { DemoFormValues } from '../apps/web/src/demo-form.ts';
import { TEST_CONFIG, createTestContainer } from '../packages/pipeline/src/test-kit.ts';
import { createFactoryGaussianDenoiser } from '../packages/testing/src/index.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MODEL = join(ROOT, 'packages/models/assets/emoji-unet');
const OXC_REGISTER = import.meta.resolve('@oxc-node/core/register');
// tfjs is a dependency of the packages, not of the root: take the pipeline's copy (one engine).
const tf = (await import(pathToFileURL(createRequire(join(ROOT, 'packages/pipeline/package.json')).resolve('@tensorflow/tfjs-core')).href)) as typeof import('@tensorflow/tfjs-core');

// ---------------------------------------------------------------- the case table

/** One case: what is given, what must happen; `run` throws (with the reason) when it does not. */
interface Case {
  readonly id: string;
  readonly area: 'cli' | 'server' | 'library' | 'readme';
  /** What is given wrong. */
  readonly given: string;
  /** What must happen. */
  readonly expect: string;
  readonly run: () => Promise<string | void>;
  /** Why it cannot run here (printed), if it cannot. */
  readonly skip?: () => string | undefined;
}

interface Result {
  readonly id: string;
  readonly area: string;
  readonly given: string;
  readonly expect: string;
  readonly status: 'pass' | 'FAIL' | 'skip';
  readonly note: string;
  readonly ms: number;
}

const cases: Case[] = [];
const add = (c: Case): void => void cases.push(c);

// ---------------------------------------------------------------- helpers

const scratch = mkdtempSync(join(tmpdir(), 'upshift-bad-inputs-'));
let scratchCount = 0;
/** A fresh folder for one case. */
function caseDir(): string {
  const dir = join(scratch, `case-${++scratchCount}`);
  mkdirSync(dir);
  return dir;
}

/** Every file and folder below `dir` (relative paths, sorted). */
function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      out.push(join(rel, name));
      if (statSync(p).isDirectory()) walk(p, join(rel, name));
    }
  };
  walk(dir, '');
  return out.sort();
}

interface Spawned {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
  readonly startedAt: number;
}

/** Runs the real CLI (`node --import @oxc-node/core/register apps/cli/src/main.ts ...args`). */
function runCliProcess(
  args: readonly string[],
  options: { timeoutMs?: number; env?: Record<string, string>; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<Spawned> {
  const started = Date.now();
  // A first argument `--cwd=<dir>` runs the CLI from that folder (as a user in another folder).
  const cwd = args[0]?.startsWith('--cwd=') ? args[0].slice('--cwd='.length) : ROOT;
  const rest = cwd === ROOT ? args : args.slice(1);
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import', OXC_REGISTER, join(ROOT, 'apps/cli/src/main.ts'), ...rest], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    options.onStderr?.('', child);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut, startedAt: started });
    });
  });
}

/** The error lines of a CLI's stderr (`upshift: ...` or commander's `error: ...`). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^(upshift: |error: )/.test(l));
}

/** Fails unless `text` contains each of `says` (strings, case-sensitive). */
function mustSay(text: string, says: readonly string[], where: string): void {
  for (const s of says) if (!text.includes(s)) throw new Error(`${where} does not name ${JSON.stringify(s)}: ${JSON.stringify(text.slice(0, 300))}`);
}

interface CliExpectation {
  /** Exit code (default 2). */
  readonly code?: number;
  /** Strings the one error line must contain (the option or field, and the value). */
  readonly says: readonly string[];
  /** Most milliseconds until the exit (default 15 s: "early"). */
  readonly maxMs?: number;
  readonly env?: Record<string, string>;
  /** Prepares the case folder (files a case needs); returns extra args. */
  readonly prepare?: (dir: string) => void;
}

/**
 * A CLI case: `args` with `{dir}` replaced by the case's own folder. After the run, that folder
 * holds exactly what it held before (no output, no temporary, no probe file).
 */
function cliCase(id: string, given: string, args: readonly string[], e: CliExpectation): void {
  const code = e.code ?? 2;
  add({
    id,
    area: 'cli',
    given,
    expect: `exit ${code}, one line naming ${e.says.map((s) => JSON.stringify(s)).join(' and ')}${e.maxMs ? `, within ${e.maxMs / 1000} s` : ''}; no file left`,
    run: async () => {
      const dir = caseDir();
      e.prepare?.(dir);
      const before = listTree(dir);
      const r = await runCliProcess(
        args.map((a) => a.replaceAll('{dir}', dir)),
        { timeoutMs: (e.maxMs ?? 15_000) + 30_000, ...(e.env ? { env: e.env } : {}) },
      );
      if (r.timedOut) throw new Error(`hung: still running after ${(r.ms / 1000).toFixed(0)} s (killed)`);
      const lines = errorLines(r.stderr);
      if (r.code !== code) throw new Error(`exit ${r.code} (signal ${r.signal}), not ${code}; stderr: ${JSON.stringify(r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300))}`);
      if (lines.length !== 1) throw new Error(`${lines.length} error lines, not 1: ${JSON.stringify(r.stderr.slice(0, 300))}`);
      if (/^\s+at /m.test(r.stderr)) throw new Error('a stack trace was printed');
      mustSay(lines[0]!, e.says, 'the error line');
      if (r.ms > (e.maxMs ?? 15_000)) throw new Error(`too late: exit after ${(r.ms / 1000).toFixed(1)} s (limit ${(e.maxMs ?? 15_000) / 1000} s); ${lines[0]}`);
      const after = listTree(dir);
      if (after.join('\n') !== before.join('\n')) throw new Error(`files left behind: ${after.filter((f) => !before.includes(f)).join(', ')}`);
      return `${lines[0]!.slice(0, 160)} (${(r.ms / 1000).toFixed(1)} s)`;
    },
  });
}

/** A model folder: the shipped config with `edit` applied (weights linked, not copied). */
function modelFolder(dir: string, edit: (config: Record<string, any>) => unknown, weights = true): string {
  const folder = join(dir, 'model');
  mkdirSync(folder);
  const config = JSON.parse(readFileSync(join(MODEL, 'config.json'), 'utf8')) as Record<string, any>;
  const edited = edit(config);
  writeFileSync(join(folder, 'config.json'), typeof edited === 'string' ? edited : JSON.stringify(edited ?? config));
  if (weights) symlinkSync(join(MODEL, 'model.safetensors'), join(folder, 'model.safetensors'));
  return folder;
}

function withSampling(sampling: unknown): (c: Record<string, any>) => Record<string, any> {
  return (c) => ({ ...c, sampling: typeof sampling === 'object' && sampling !== null && !Array.isArray(sampling) ? { ...c['sampling'], ...sampling } : sampling });
}

/** A free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolvePort(typeof a === 'object' && a ? a.port : 0));
    });
  });
}


// ---------------------------------------------------------------- CLI: generate

const OUT = ['--out', '{dir}/out'];
/** A run that would start: cheap settings, so a case that fails late still ends. */
const CHEAP = ['--backend', 'wasm', '--workers', '1', '--class', '0', '--batch', '1', '--steps', '2', '--no-progress'];
const gen = (...args: string[]): string[] => ['generate', ...OUT, ...CHEAP, ...args];

cliCase('gen-steps-word', '--steps ten', gen('--steps', 'ten'), { says: ['--steps', '"ten"'] });
cliCase('gen-steps-zero', '--steps 0', gen('--steps', '0'), { says: ['--steps', '"0"'] });
cliCase('gen-steps-swallows', '--steps --seed 3', ['generate', ...OUT, '--steps', '--seed', '3'], { says: ['--steps', '--seed'] });
cliCase('gen-seed-negative', '--seed -1', gen('--seed', '-1'), { says: ['--seed', '"-1"'] });
cliCase('gen-seed-2^32', '--seed 4294967296', gen('--seed', '4294967296'), { says: ['--seed', '4294967296'] });
cliCase('gen-guidance-word', '--guidance abc', gen('--guidance', 'abc'), { says: ['--guidance', '"abc"'] });
cliCase('gen-guidance-huge', '--guidance 1e9', gen('--guidance', '1e9'), { says: ['--guidance', '"1e9"'] });
cliCase('gen-batch-zero', '--batch 0', gen('--batch', '0'), { says: ['--batch', '"0"'] });
cliCase('gen-batch-huge', '--batch 5000', gen('--batch', '5000'), { says: ['--batch', '5000'] });
cliCase('gen-class-name', '--class nope', gen('--class', 'nope'), { says: ['--class', '"nope"'] });
cliCase('gen-class-index', '--class 99', gen('--class', '99'), { says: ['--class', '99'] });
cliCase('gen-resolution-zero', '--resolution 0', gen('--resolution', '0'), { says: ['--resolution', '"0"'] });
cliCase('gen-resolution-form', '--resolution 64x', gen('--resolution', '64x'), { says: ['--resolution', '"64x"'] });
cliCase('gen-resolution-multiple', '--resolution 36 (not a multiple of 8)', gen('--resolution', '36'), { says: ['resolution', '36'] });
cliCase('gen-resolution-huge', '--resolution 4096 on wasm (not even one image fits)', gen('--resolution', '4096'), { says: ['resolution', '4096x4096', 'largest square'] });
cliCase('gen-policy-name', '--policy warp', gen('--policy', 'warp'), { says: ['policy', '"warp"'] });
cliCase('gen-policy-options-json', "--policy-options '{bad'", gen('--policy-options', '{bad'), { says: ['--policy-options', '{bad'] });
cliCase('gen-policy-options-array', "--policy-options '[1]'", gen('--policy-options', '[1]'), { says: ['--policy-options', '[1]'] });
cliCase('gen-budget-fraction', 'budget fraction 2', gen('--policy', 'budget', '--policy-options', '{"fraction":2}'), { says: ['policyOptions.fraction', '2'] });
cliCase('gen-budget-infeasible', 'budget fraction 0.01 (below the cheapest plan)', gen('--policy', 'budget', '--policy-options', '{"fraction":0.01}'), {
  says: ['policyOptions.fraction', '0.01'],
});
cliCase('gen-bottleneck-option', 'bottleneck {"x":1}', gen('--policy', 'bottleneck', '--policy-options', '{"x":1}'), { says: ['policyOptions.x', '1'] });
cliCase('gen-sampler-name', '--sampler nope', gen('--sampler', 'nope'), { says: ['sampler', '"nope"'] });
cliCase('gen-sampler-options', 'ddim {"eta":"x"}', gen('--sampler', 'ddim', '--sampler-options', '{"eta":"x"}'), { says: ['samplerOptions.eta', '"x"'] });
cliCase('gen-schedule-name', '--schedule nope', gen('--schedule', 'nope'), { says: ['schedule', '"nope"'] });
cliCase('gen-schedule-options', 'karras {"sigmaMax":-1}', gen('--schedule-options', '{"sigmaMax":-1}'), { says: ['scheduleOptions.sigmaMax', '-1'] });
cliCase('gen-resizer-name', '--resizer nope', gen('--resizer', 'nope'), { says: ['resizer', '"nope"'] });
cliCase('gen-resizer-options', 'box-exact {"bogus":1}, with 2 workers (must fail before the model and the workers start)', [...gen('--resizer-options', '{"bogus":1}'), '--workers', '2'], {
  says: ['resizerOptions.bogus', '1'],
  maxMs: 6000,
});
cliCase('gen-resizer-strength', 'detail-prior {"strength":9}', [...gen('--resizer', 'detail-prior', '--resizer-options', '{"strength":9}'), '--workers', '2'], {
  says: ['resizerOptions.strength', '9'],
  maxMs: 6000,
});
cliCase('gen-upshift-noise', '--upshift-noise weird', gen('--upshift-noise', 'weird'), { says: ['--upshift-noise', '"weird"'] });
cliCase('gen-backend', '--backend tpu', gen('--backend', 'tpu'), { says: ['backend', '"tpu"'] });
for (const [v, why] of [
  ['0', 'zero'],
  ['abc', 'word'],
  ['999', 'too many'],
  ['1.5', 'fraction'],
] as const) {
  cliCase(`gen-workers-${why.replace(' ', '-')}`, `--workers ${v}`, [...gen(), '--workers', v], { says: ['--workers', `"${v}"`] });
}
cliCase('gen-guidance-levels-empty', '--guidance-levels 2,,3', gen('--guidance-levels', '2,,3'), { says: ['--guidance-levels', '"2,,3"'] });
cliCase('gen-guidance-levels-word', '--guidance-levels x', gen('--guidance-levels', 'x'), { says: ['--guidance-levels', '"x"'] });
cliCase('gen-guidance-levels-negative', '--guidance-levels -1', gen('--guidance-levels', '-1'), { says: ['--guidance-levels', '"-1"'] });
cliCase('gen-guidance-levels-too-many', '--guidance-levels 1,2,3,4,5,6 (the model has 4 levels)', [...gen('--guidance-levels', '1,2,3,4,5,6'), '--workers', '2'], {
  says: ['guidanceLevels', '[1,2,3,4,5,6]'],
  maxMs: 6000,
});
cliCase('gen-guidance-interval-order', '--guidance-interval 5,0.3', gen('--guidance-interval', '5,0.3'), { says: ['--guidance-interval', '"5,0.3"'] });
cliCase('gen-guidance-interval-word', '--guidance-interval abc', gen('--guidance-interval', 'abc'), { says: ['--guidance-interval', '"abc"'] });
cliCase('gen-guidance-interval-three', '--guidance-interval 1,2,3', gen('--guidance-interval', '1,2,3'), { says: ['--guidance-interval', '"1,2,3"'] });
cliCase('gen-guidance-interval-negative', '--guidance-interval -1,5', gen('--guidance-interval', '-1,5'), { says: ['--guidance-interval', '-1'] });
cliCase('gen-after-upshift-json', '--after-upshift nope', gen('--after-upshift', 'nope'), { says: ['--after-upshift', '"nope"'] });
cliCase('gen-after-upshift-steps', '--after-upshift {"steps":-1}', gen('--after-upshift', '{"steps":-1}'), { says: ['afterUpshift.steps', '-1'] });
cliCase('gen-after-upshift-mode', '--after-upshift {"mode":"bogus"}', gen('--after-upshift', '{"mode":"bogus"}'), { says: ['afterUpshift.mode', '"bogus"'] });
cliCase('gen-after-upshift-field', '--after-upshift {"steps":2,"foo":1}', gen('--after-upshift', '{"steps":2,"foo":1}'), { says: ['afterUpshift.foo', '1'] });
cliCase('gen-after-upshift-array', '--after-upshift [1]', gen('--after-upshift', '[1]'), { says: ['--after-upshift', '[1]'] });
cliCase('gen-model-name', '--model nope', gen('--model', 'nope'), { says: ['model', '"nope"'] });
cliCase('gen-model-path', '--model-options {"path":"/nonexistent"}', gen('--model-options', '{"path":"/nonexistent"}'), { code: 1, says: ['/nonexistent'] });
cliCase('gen-model-option', '--model-options {"bogus":1}', gen('--model-options', '{"bogus":1}'), { says: ['modelOptions.bogus', '1'] });
cliCase('gen-model-config-json', 'a model folder whose config.json is not JSON', gen('--model-options', '{"path":"{dir}/model"}'), {
  code: 1,
  says: ['config.json'],
  prepare: (d) => void modelFolder(d, () => '{ "format": '),
});
cliCase('gen-model-weights', 'a model folder without its weights file', gen('--model-options', '{"path":"{dir}/model"}'), {
  code: 1,
  says: ['model.safetensors'],
  prepare: (d) => void modelFolder(d, (c) => c, false),
});
// The model's recommended sampling block: a bad one names the file and `sampling.<field>`, and
// fails like any other bad model file (exit 1), whichever check finds it.
for (const [id, sampling, says] of [
  ['steps', { steps: 0 }, ['sampling.steps', '0']],
  ['unknown-field', { stpes: 3 }, ['sampling.stpes', '3']],
  ['not-object', 'fast', ['sampling', '"fast"']],
  ['guidance', { guidance: -2 }, ['sampling.guidance', '-2']],
  ['policy', { policy: 'warp' }, ['sampling.policy', '"warp"', 'config.json']],
  ['sampler', { sampler: 'nope' }, ['sampling.sampler', '"nope"', 'config.json']],
  ['policy-options', { policy: 'budget', policyOptions: { fraction: 7 } }, ['sampling.policyOptions.fraction', '7', 'config.json']],
  ['after-upshift', { afterUpshift: { steps: 'x' } }, ['sampling.afterUpshift.steps', '"x"', 'config.json']],
  ['resizer-options', { resizerOptions: { bogus: 1 } }, ['sampling.resizerOptions.bogus', '1', 'config.json']],
] as const) {
  cliCase(`gen-model-sampling-${id}`, `a model whose config.json recommends sampling ${JSON.stringify(sampling)}`, ['generate', ...OUT, '--backend', 'wasm', '--workers', '1', '--class', '0', '--batch', '1', '--model-options', '{"path":"{dir}/model"}'], {
    code: 1,
    says: [...says],
    maxMs: 6000,
    prepare: (d) => void modelFolder(d, withSampling(sampling)),
  });
}
// Not an error case: the user's own option overrides a bad recommendation, so the run works.
add({
  id: 'gen-model-sampling-user-wins',
  area: 'cli',
  given: 'a model whose config.json recommends sampling {"policy":"warp"}, overridden by --policy none',
  expect: 'exit 0, no error line (the user\'s choice wins); the image and a sidecar saying policy "none" written',
  run: async () => {
    const dir = caseDir();
    modelFolder(dir, withSampling({ policy: 'warp' }));
    const r = await runCliProcess(['generate', '--out', join(dir, 'out'), ...CHEAP, '--steps', '1', '--policy', 'none', '--model-options', JSON.stringify({ path: join(dir, 'model') }), '--no-grid']);
    if (r.timedOut) throw new Error(`hung: still running after ${(r.ms / 1000).toFixed(0)} s (killed)`);
    const lines = errorLines(r.stderr);
    if (r.code !== 0 || lines.length !== 0) throw new Error(`exit ${r.code}: ${JSON.stringify(r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300))}`);
    const files = listTree(join(dir, 'out'));
    if (files.join(',') !== 'upshift-00.png,upshift.json') throw new Error(`wrote ${files.join(', ')}, not upshift-00.png and upshift.json`);
    const policy = (JSON.parse(readFileSync(join(dir, 'out', 'upshift.json'), 'utf8')) as { config?: { policy?: string } }).config?.policy;
    if (policy !== 'none') throw new Error(`the sidecar says policy ${JSON.stringify(policy)}, not "none"`);
    return `exit 0, wrote ${files.join(', ')}; policy "none" (${(r.ms / 1000).toFixed(1)} s)`;
  },
});
add({
  id: 'gen-model-url',
  area: 'cli',
  given: 'a model folder served over http, with --class 2; then a URL with nothing there',
  expect: 'the first runs (classes read from the URL); the second: exit 1 naming the URL of config.json, not --class',
  run: async () => {
    const { createServer: createHttp } = await import('node:http');
    const server = createHttp((req, res) => {
      const name = (req.url ?? '/').replace(/^\/model\//, '');
      if (name !== 'config.json' && name !== 'model.safetensors') return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(join(MODEL, name)));
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
    try {
      const dir = caseDir();
      const ok = await runCliProcess(['generate', '--out', join(dir, 'out'), '--backend', 'cpu', '--workers', '1', '--class', '2', '--guidance', '1', '--steps', '1', '--resolution', '16', '--no-progress', '--model-options', `{"path":"http://127.0.0.1:${port}/model"}`]);
      if (ok.code !== 0) throw new Error(`a served model with --class 2: exit ${ok.code}: ${ok.stderr.trim().slice(0, 200)}`);
      const missing = await runCliProcess(['generate', '--out', join(dir, 'out2'), '--class', '2', '--model-options', `{"path":"http://127.0.0.1:${port}/nothing"}`]);
      const lines = errorLines(missing.stderr);
      if (missing.code !== 1 || lines.length !== 1) throw new Error(`no model at the URL: exit ${missing.code}: ${missing.stderr.trim().slice(0, 200)}`);
      mustSay(lines[0]!, [`http://127.0.0.1:${port}/nothing/config.json`], 'the error line');
      return lines[0];
    } finally {
      server.close();
    }
  },
});
cliCase('gen-out-file', '--out pointing at a file', ['generate', '--out', '{dir}/file', ...CHEAP], {
  says: ['--out', 'is a file'],
  maxMs: 6000,
  prepare: (d) => writeFileSync(join(d, 'file'), 'x'),
});
cliCase('gen-out-proc', '--out /proc/upshift-x', ['generate', '--out', '/proc/upshift-x', ...CHEAP], { says: ['--out', '/proc/upshift-x'], maxMs: 6000 });
cliCase('gen-name-slash', '--name a/b', gen('--name', 'a/b'), { says: ['--name', '"a/b"'] });
cliCase('gen-name-empty', '--name ""', gen('--name', ''), { says: ['--name', '""'] });
cliCase('gen-grid-columns', '--grid-columns 0', gen('--grid-columns', '0'), { says: ['--grid-columns', '"0"'] });
cliCase('gen-unknown-option', '--stpes 3 (typo)', gen('--stpes', '3'), { says: ["'--stpes'", '--steps'] });
cliCase('gen-extra-argument', 'a stray argument', gen('extra'), { says: ["'extra'"] });
cliCase('cli-unknown-command', 'upshift generat', ['generat'], { says: ["'generat'", 'generate'] });

// ---------------------------------------------------------------- CLI: compare, eval

const cmp = (...args: string[]): string[] => ['compare', ...OUT, '--backend', 'wasm', '--workers', '1', '--images', '2', '--steps', '2', '--no-progress', ...args];
cliCase('compare-timing-repeats-zero', '--timing-repeats 0', cmp('--timing-repeats', '0'), { says: ['--timing-repeats', '"0"'] });
cliCase('compare-timing-repeats-fraction', '--timing-repeats 1.5', cmp('--timing-repeats', '1.5'), { says: ['--timing-repeats', '"1.5"'] });
cliCase('compare-timing-repeats-huge', '--timing-repeats 1000000', cmp('--timing-repeats', '1000000'), { says: ['--timing-repeats', '"1000000"'] });
cliCase('compare-policies-unknown', '--policies none,bogus', cmp('--policies', 'none,bogus'), { says: ['policy', '"bogus"'] });
cliCase('compare-policies-json', "--policies 'budget:{bad'", cmp('--policies', 'budget:{bad'), { says: ['--policies', '{bad'] });
cliCase('compare-policies-empty', '--policies ""', cmp('--policies', ''), { says: ['--policies', '""'] });
cliCase('compare-images-zero', '--images 0', cmp('--images', '0'), { says: ['--images', '"0"'] });
cliCase('compare-reference-draws', '--reference-draws 0', cmp('--reference-draws', '0'), { says: ['--reference-draws', '"0"'] });
cliCase('compare-held-out-missing', '--held-out /nonexistent.npz', cmp('--held-out', '/nonexistent.npz'), { says: ['--held-out', '/nonexistent.npz'] });
cliCase('compare-held-out-not-npz', '--held-out README.md (not an npz)', cmp('--held-out', 'README.md'), { says: ['--held-out', 'README.md'] });
cliCase('compare-cache-dir-file', '--cache-dir pointing at a file', cmp('--cache-dir', '{dir}/file'), {
  says: ['--cache-dir', 'is a file'],
  maxMs: 6000,
  prepare: (d) => writeFileSync(join(d, 'file'), 'x'),
});
cliCase('compare-batch-zero', '--batch 0', cmp('--batch', '0'), { says: ['--batch', '"0"'] });
cliCase('compare-out-file', '--out pointing at a file', ['compare', '--out', '{dir}/file', '--images', '2', '--steps', '2'], {
  says: ['--out', 'is a file'],
  maxMs: 6000,
  prepare: (d) => writeFileSync(join(d, 'file'), 'x'),
});

const ev = (...args: string[]): string[] => ['eval', '--out', '{dir}/docs', '--cache-dir', '{dir}/cache', '--backend', 'wasm', '--workers', '1', '--no-progress', ...args];
cliCase('eval-parts', '--parts bogus', ev('--parts', 'bogus'), { says: ['--parts', '"bogus"'] });
cliCase('eval-samplers', '--samplers euler,nope', ev('--samplers', 'euler,nope'), { says: ['sampler', '"nope"'] });
cliCase('eval-sampler-options', '--samplers euler:{"bogus":1}', ev('--samplers', 'euler:{"bogus":1}'), { says: ['samplerOptions.bogus', '1'] });
cliCase('eval-resizers', '--resizers box-exact,zzz', ev('--resizers', 'box-exact,zzz'), { says: ['resizer', '"zzz"'] });
cliCase('eval-policies', '--policies fixed:{"t":7}', ev('--policies', 'fixed:{"t":7}'), { says: ['policyOptions.t', '7'] });
cliCase('eval-analytic-side', '--analytic-side 7', ev('--analytic-side', '7'), { says: ['--analytic-side', '"7"'] });
cliCase('eval-analytic-std', '--analytic-std -1', ev('--analytic-std', '-1'), { says: ['--analytic-std', '"-1"'] });
cliCase('eval-max-sets', '--max-sets -1', ev('--max-sets', '-1'), { says: ['--max-sets', '"-1"'] });
cliCase('eval-images', '--images 0', ev('--images', '0'), { says: ['--images', '"0"'] });
cliCase('eval-cache-dir-file', '--cache-dir pointing at a file (must fail before sampling)', ['eval', '--out', '{dir}/docs', '--cache-dir', '{dir}/file', '--backend', 'wasm', '--workers', '1', '--no-progress', '--parts', 'analytic'], {
  says: ['--cache-dir', 'is a file'],
  maxMs: 6000,
  prepare: (d) => writeFileSync(join(d, 'file'), 'x'),
});
cliCase('eval-out-proc', '--out /proc/upshift-x (must fail before sampling)', ['eval', '--out', '/proc/upshift-x', '--cache-dir', '{dir}/cache', '--backend', 'wasm', '--workers', '1', '--no-progress', '--parts', 'analytic'], {
  says: ['--out', '/proc/upshift-x'],
  maxMs: 6000,
});

// ---------------------------------------------------------------- CLI: serve, worker, api-key

cliCase('serve-port-range', 'serve --port 70000', ['serve', '--port', '70000'], { says: ['--port', '"70000"'] });
cliCase('serve-port-word', 'serve --port abc', ['serve', '--port', 'abc'], { says: ['--port', '"abc"'] });
add({
  id: 'serve-port-in-use',
  area: 'cli',
  given: 'serve --port <a port another process listens on>',
  expect: 'exit 2, one line naming --port and the port; early',
  run: async () => {
    const blocker = createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)));
    try {
      const r = await runCliProcess(['serve', '--port', String(port)], { timeoutMs: 30_000 });
      const lines = errorLines(r.stderr);
      if (r.timedOut) throw new Error('hung');
      if (r.code !== 2 || lines.length !== 1) throw new Error(`exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
      mustSay(lines[0]!, ['--port', String(port)], 'the error line');
      return lines[0];
    } finally {
      blocker.close();
    }
  },
});
cliCase('serve-host-public-no-keys', 'serve --host 0.0.0.0 without API keys', ['serve', '--host', '0.0.0.0', '--port', '0'], { says: ['--host', '0.0.0.0', 'API key'] });
cliCase('serve-host-bad', 'serve --host "not a host" (with a key)', ['serve', '--host', 'not a host', '--port', '0'], {
  says: ['--host', '"not a host"'],
  env: { UPSHIFT_API_KEYS: `ci:sha256:${'a'.repeat(64)}` },
});
cliCase('serve-redis-scheme', 'serve --redis http://x', ['serve', '--redis', 'http://x', '--port', '0'], { says: ['--redis', '"http://x"'] });
cliCase('serve-redis-unreachable', 'serve --redis redis://127.0.0.1:1 (nothing listens there)', ['serve', '--redis', 'redis://127.0.0.1:1', '--port', '0'], {
  says: ['--redis', 'redis://127.0.0.1:1'],
  maxMs: 15_000,
});
cliCase('serve-concurrency', 'serve --concurrency 0', ['serve', '--concurrency', '0'], { says: ['--concurrency', '"0"'] });
cliCase('serve-max-steps', 'serve --max-steps 0', ['serve', '--max-steps', '0'], { says: ['--max-steps', '"0"'] });
cliCase('serve-keys-file-missing', 'serve --api-keys-file /nonexistent', ['serve', '--api-keys-file', '/nonexistent'], { says: ['--api-keys-file', '/nonexistent'] });
cliCase('serve-keys-file-garbage', 'serve --api-keys-file <a file of garbage>', ['serve', '--api-keys-file', '{dir}/keys', '--port', '0'], {
  says: ['--api-keys-file', 'garbage'],
  prepare: (d) => writeFileSync(join(d, 'keys'), 'garbage\n'),
});
cliCase('serve-keys-env-garbage', 'UPSHIFT_API_KEYS=garbage', ['serve', '--port', '0'], { says: ['UPSHIFT_API_KEYS', 'garbage'], env: { UPSHIFT_API_KEYS: 'garbage' } });
cliCase('serve-budget-min-fraction', 'serve --budget-p95 100 --budget-min-fraction 5', ['serve', '--budget-p95', '100', '--budget-min-fraction', '5'], { says: ['--budget-min-fraction', '"5"'] });
cliCase('serve-prefix', 'serve --prefix "a b"', ['serve', '--prefix', 'a b'], { says: ['--prefix', '"a b"'] });
cliCase('serve-threads', 'serve --threads 0', ['serve', '--threads', '0'], { says: ['--threads', '"0"'] });
cliCase('serve-checkpoint-every', 'serve --checkpoint-every 0', ['serve', '--checkpoint-every', '0'], { says: ['--checkpoint-every', '"0"'] });
cliCase('serve-models-empty', 'serve --models ""', ['serve', '--models', ''], { says: ['--models', '""'] });
cliCase('serve-models-unknown', 'serve --models emoji-unet,nope (not a registered model)', ['serve', '--models', 'emoji-unet,nope', '--port', '0'], { says: ['--models', '"nope"'] });
cliCase('serve-backend', 'serve --backend tpu', ['serve', '--backend', 'tpu', '--port', '0'], { says: ['--backend', '"tpu"'] });
cliCase('serve-body-limit', 'serve --body-limit 10', ['serve', '--body-limit', '10'], { says: ['--body-limit', '"10"'] });
cliCase('worker-no-redis', 'worker without --redis', ['worker'], { says: ['--redis'] });
cliCase('worker-levels-order', 'worker --levels 3-1', ['worker', '--redis', 'redis://127.0.0.1:6379', '--levels', '3-1'], { says: ['--levels', '"3-1"'] });
cliCase('worker-levels-word', 'worker --levels x', ['worker', '--redis', 'redis://127.0.0.1:6379', '--levels', 'x'], { says: ['--levels', '"x"'] });
cliCase('worker-levels-range', 'worker --levels 9', ['worker', '--redis', 'redis://127.0.0.1:6379', '--levels', '9'], { says: ['--levels', '"9"'] });
cliCase('worker-lock-ms', 'worker --lock-ms 10', ['worker', '--redis', 'redis://127.0.0.1:6379', '--lock-ms', '10'], { says: ['--lock-ms', '"10"'] });
cliCase('worker-threads', 'worker --threads abc', ['worker', '--redis', 'redis://127.0.0.1:6379', '--threads', 'abc'], { says: ['--threads', '"abc"'] });
cliCase('worker-redis-unreachable', 'worker --redis redis://127.0.0.1:1 (nothing listens there)', ['worker', '--redis', 'redis://127.0.0.1:1'], {
  says: ['--redis', 'redis://127.0.0.1:1'],
  maxMs: 15_000,
});
cliCase('api-key-empty', 'api-key ""', ['api-key', ''], { says: ['""'] });
cliCase('api-key-chars', 'api-key "a b:c"', ['api-key', 'a b:c'], { says: ['"a b:c"'] });

// ---------------------------------------------------------------- CLI: Ctrl-C

/**
 * Sends SIGINT once `ready` matches stderr (or, for a number, once the command has run that many
 * ms without failing): the CLI must exit 130 at once and leave nothing in its folder.
 */
function interruptCase(id: string, given: string, args: readonly string[], ready: RegExp | number, maxAfterMs: number, area: Case['area'] = 'cli', expectCode = 130): void {
  add({
    id,
    area,
    given,
    expect: `${typeof ready === 'number' ? `still running after ${ready / 1000} s, then ` : ''}exit ${expectCode} within ${maxAfterMs / 1000} s of Ctrl-C; no file left`,
    run: async () => {
      const dir = caseDir();
      let sentAt = 0;
      let timer: NodeJS.Timeout | undefined;
      const r = await runCliProcess(
        args.map((a) => a.replaceAll('{dir}', dir)),
        {
          timeoutMs: 180_000,
          onStderr: (text, child) => {
            if (typeof ready === 'number') {
              timer ??= setTimeout(() => {
                sentAt = Date.now();
                child.kill('SIGINT');
              }, ready);
            } else if (sentAt === 0 && ready.test(text)) {
              sentAt = Date.now();
              child.kill('SIGINT');
            }
          },
        },
      );
      clearTimeout(timer);
      if (sentAt === 0) throw new Error(`ended before Ctrl-C (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`);
      const after = r.startedAt + r.ms - sentAt;
      // Killed by SIGINT's default action (generate / compare while sampling) is what a shell reports as 130.
      const code = r.code ?? (r.signal === 'SIGINT' ? 130 : null);
      if (code !== expectCode) throw new Error(`exit ${r.code} (signal ${r.signal}), not ${expectCode}; ${r.stderr.slice(-200)}`);
      const left = listTree(dir);
      if (left.length) throw new Error(`files left: ${left.join(', ')}`);
      if (after > maxAfterMs) throw new Error(`exit ${expectCode} only ${(after / 1000).toFixed(1)} s after Ctrl-C`);
      return `exit ${expectCode}, ${(after / 1000).toFixed(1)} s after Ctrl-C`;
    },
  });
}
interruptCase('ctrl-c-generate-workers', 'Ctrl-C during generate with 2 worker threads', ['generate', '--out', '{dir}/out', '--backend', 'wasm', '--workers', '2', '--class', '0', '--batch', '2', '--steps', '6'], /step 1\//, 3000);
interruptCase('ctrl-c-compare', 'Ctrl-C during compare', ['compare', '--out', '{dir}/out', '--backend', 'wasm', '--workers', '2', '--images', '2', '--steps', '4', '--held-out', 'none'], /step 1\//, 3000);

// ---------------------------------------------------------------- README

// Every `npm run upshift -- ...` / `npm run eval` line of the README's usage block, as written:
// each must be accepted and start its work (then Ctrl-C: exit 130, nothing written); --help
// must print the options. Runs from a scratch folder so nothing lands in the checkout.
{
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /## Usage[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const words = (line: string): string[] => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  let n = 0;
  for (const raw of block.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line) continue;
    n++;
    let args: string[];
    if (line.startsWith('npm run upshift -- ')) args = words(line.slice('npm run upshift -- '.length));
    else if (line.startsWith('npm run ')) {
      const script = scripts[line.slice('npm run '.length).trim()] ?? '';
      args = words(script.slice(script.indexOf('main.ts') + 'main.ts'.length));
    } else continue;
    const id = `readme-${n}-${args[0]}`;
    if (args.includes('--help')) {
      add({
        id,
        area: 'readme',
        given: line,
        expect: 'exit 0, the options and the class names on stdout',
        run: async () => {
          const r = await runCliProcess(args);
          if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 200)}`);
          mustSay(r.stdout, ['--policy', 'Flags'], 'the help');
          return `exit 0, ${r.stdout.split('\n').length} lines`;
        },
      });
    } else {
      // Runs in the case folder: `--out` defaults (./out, ./out/compare, docs) land there.
      interruptCase(id, line, ['--cwd={dir}', ...args], 15_000, 5000, 'readme');
    }
  }
}

// ---------------------------------------------------------------- server

interface ServerHandle {
  url: string;
  stop: () => Promise<void>;
}

/** `upshift serve` as a child process on a free port; resolves once it listens. */
async function startServe(args: readonly string[], env: Record<string, string> = {}): Promise<ServerHandle> {
  const child = spawn(process.execPath, ['--import', '@oxc-node/core/register', 'apps/cli/src/main.ts', 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  let out = '';
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+?) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

let server: ServerHandle | undefined;
let keyedServer: ServerHandle | undefined;
const API_KEY_ENTRY = { key: '', entry: '' };

async function http(base: () => ServerHandle | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; text: string }> {
  const s = base();
  if (!s) throw new Error('the server did not start');
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, text };
}

interface HttpExpectation {
  readonly status: number;
  readonly field?: string;
  /** The value the body's `value` must equal (JSON-compared). */
  readonly value?: unknown;
  readonly says?: readonly string[];
}

function checkHttp(r: { status: number; body: any; text: string }, e: HttpExpectation): string {
  if (r.status !== e.status) throw new Error(`HTTP ${r.status}, not ${e.status}: ${r.text.slice(0, 300)}`);
  if (e.field !== undefined && r.body?.field !== e.field) throw new Error(`field ${JSON.stringify(r.body?.field)}, not ${JSON.stringify(e.field)}: ${r.text.slice(0, 300)}`);
  if ('value' in e && JSON.stringify(r.body?.value) !== JSON.stringify(e.value)) throw new Error(`value ${JSON.stringify(r.body?.value)}, not ${JSON.stringify(e.value)}: ${r.text.slice(0, 300)}`);
  if (e.says) mustSay(String(r.body?.message ?? r.text), e.says, 'the message');
  return `${r.status} ${String(r.body?.message ?? '').slice(0, 150)}`;
}

function httpCase(id: string, given: string, method: string, path: string, body: unknown, e: HttpExpectation, headers: Record<string, string> = {}, which: () => ServerHandle | undefined = () => server): void {
  add({
    id,
    area: 'server',
    given,
    expect: `${e.status}${e.field ? ` naming ${e.field}` : ''}${'value' in e ? ` = ${JSON.stringify(e.value)}` : ''}`,
    run: async () => checkHttp(await http(which, method, path, body, headers), e),
  });
}

const post = (id: string, given: string, config: Record<string, unknown>, field: string, value: unknown): void =>
  httpCase(id, given, 'POST', '/v1/runs', { config: { steps: 2, ...config } }, { status: 400, field, value });

add({
  id: 'server-start',
  area: 'server',
  given: '(starts `upshift serve --backend wasm --checkpoint-every 1` and one with an API key and --rate-limit 3)',
  expect: 'both listen',
  run: async () => {
    server = await startServe(['--backend', 'wasm', '--checkpoint-every', '1', '--max-steps', '50']);
    const made = await runCliProcess(['api-key', 'qa']);
    const lines = made.stdout.split('\n').map((l) => l.trim());
    API_KEY_ENTRY.key = lines[1]!;
    API_KEY_ENTRY.entry = lines[3]!;
    keyedServer = await startServe(['--backend', 'wasm', '--rate-limit', '3'], { UPSHIFT_API_KEYS: API_KEY_ENTRY.entry });
    return `${server.url}, ${keyedServer.url}`;
  },
});
post('post-steps-zero', 'config.steps 0', { steps: 0 }, 'config.steps', 0);
post('post-steps-limit', 'config.steps 51 (--max-steps 50)', { steps: 51 }, 'config.steps', 51);
post('post-batch-limit', 'config.batch 17 (limit 16)', { batch: 17 }, 'config.batch', 17);
post('post-side-limit', 'config.resolution 256x256 (limit 128)', { resolution: { height: 256, width: 256 } }, 'config.resolution.height', 256);
post('post-model', 'config.model "other"', { model: 'other' }, 'config.model', 'other');
post('post-backend', 'config.backend (server-only)', { backend: 'cpu' }, 'config.backend', 'cpu');
post('post-workers', 'config.workers (server-only)', { workers: 4 }, 'config.workers', 4);
post('post-model-options', 'config.modelOptions (server-only)', { modelOptions: { path: '/etc' } }, 'config.modelOptions', { path: '/etc' });
post('post-seed', 'config.seed -1', { seed: -1 }, 'config.seed', -1);
post('post-previews', 'config.previews "yes"', { previews: 'yes' }, 'config.previews', 'yes');
post('post-config-typo', 'config.stpes 3', { stpes: 3 }, 'config.stpes', 3);
post('post-sampler', 'config.sampler "nope"', { sampler: 'nope' }, 'config.sampler', 'nope');
post('post-policy-options', 'config.policyOptions.fraction 2 (budget)', { policy: 'budget', policyOptions: { fraction: 2 } }, 'config.policyOptions.fraction', 2);
post('post-labels-length', 'config.classLabels [0,1] for batch 1', { classLabels: [0, 1] }, 'config.classLabels', [0, 1]);
// Accepted before this sweep and failed only once a worker ran them:
post('post-resizer-options', 'config.resizerOptions {"bogus":1}', { resizerOptions: { bogus: 1 } }, 'config.resizerOptions.bogus', 1);
post('post-after-upshift', 'config.afterUpshift {"steps":-3}', { afterUpshift: { steps: -3 } }, 'config.afterUpshift.steps', -3);
post('post-guidance-levels', 'config.guidanceLevels with 7 entries (the model has 4 levels)', { guidanceLevels: [1, 2, 3, 4, 5, 6, 7] }, 'config.guidanceLevels', [1, 2, 3, 4, 5, 6, 7]);
post('post-resolution-multiple', 'config.resolution 36x36 (not a multiple of 8)', { resolution: { height: 36, width: 36 } }, 'config.resolution', '36x36');
post('post-budget-infeasible', 'budget fraction 0.01 (below the cheapest plan)', { policy: 'budget', policyOptions: { fraction: 0.01 } }, 'config.policyOptions.fraction', 0.01);
post('post-class-label', 'config.classLabels 99 (9 classes)', { classLabels: 99 }, 'config.classLabels[0]', 99);
post('post-memory', 'config.batch 16 at 128x128 on wasm (does not fit)', { batch: 16, resolution: { height: 128, width: 128 } }, 'config.batch', 16);
httpCase('post-count-zero', 'count 0', 'POST', '/v1/runs', { config: { steps: 2 }, count: 0 }, { status: 400, field: 'count', value: 0 });
httpCase('post-count-limit', 'count 17 (limit 16)', 'POST', '/v1/runs', { config: { steps: 2 }, count: 17 }, { status: 400, field: 'count', value: 17 });
httpCase('post-unknown-field', 'a top-level field "extra"', 'POST', '/v1/runs', { extra: 1 }, { status: 400, field: 'extra', value: 1 });
httpCase('post-config-array', 'config []', 'POST', '/v1/runs', { config: [] }, { status: 400, field: 'config', value: [] });
httpCase('post-body-array', 'body []', 'POST', '/v1/runs', [], { status: 400, field: 'body', value: [] });
httpCase('post-json', 'a body that is not JSON', 'POST', '/v1/runs', 'not json', { status: 400, field: 'body' });
httpCase('post-empty', 'an empty JSON body', 'POST', '/v1/runs', '', { status: 400, field: 'body' });
httpCase('post-media-type', 'content-type text/plain', 'POST', '/v1/runs', 'x', { status: 415, field: 'content-type', value: 'text/plain' }, { 'content-type': 'text/plain' });
httpCase('post-too-large', 'a 5 MB body (limit 4 MiB)', 'POST', '/v1/runs', JSON.stringify({ config: { pad: 'x'.repeat(5_000_000) } }), { status: 413, field: 'body' });
httpCase('post-checkpoint-chars', 'checkpoint "!!!" (not base64)', 'POST', '/v1/runs', { checkpoint: '!!!' }, { status: 400, field: 'checkpoint', value: '!!!' });
httpCase('post-checkpoint-short', 'checkpoint of 3 bytes', 'POST', '/v1/runs', { checkpoint: 'abcd' }, { status: 400, field: 'checkpoint' });
httpCase('post-checkpoint-magic', 'checkpoint with the magic and a garbage header', 'POST', '/v1/runs', { checkpoint: Buffer.concat([Buffer.from('UPSHCKPT'), Buffer.from([8, 0, 0, 0]), Buffer.from('{garbage')]).toString('base64') }, { status: 400, says: ['checkpoint'] });
httpCase('post-checkpoint-length', 'checkpoint whose header length points past its end', 'POST', '/v1/runs', { checkpoint: Buffer.concat([Buffer.from('UPSHCKPT'), Buffer.from([255, 255, 255, 127]), Buffer.from('{}')]).toString('base64') }, { status: 400, says: ['checkpoint'] });
httpCase('post-checkpoint-count', 'a checkpoint with count 2', 'POST', '/v1/runs', { checkpoint: 'abcd', count: 2 }, { status: 400, says: ['count'] });
httpCase('get-bad-id', 'GET /v1/runs/nope', 'GET', '/v1/runs/nope', undefined, { status: 400, field: 'id', value: 'nope' });
httpCase('get-unknown-id', 'GET an unknown run id', 'GET', '/v1/runs/00000000-0000-0000-0000-000000000000', undefined, { status: 404, field: 'id', value: '00000000-0000-0000-0000-000000000000' });
httpCase('delete-unknown-id', 'DELETE an unknown run id', 'DELETE', '/v1/runs/00000000-0000-0000-0000-000000000000', undefined, { status: 404, field: 'id' });
httpCase('events-bad-id', 'GET /v1/runs/nope/events', 'GET', '/v1/runs/nope/events', undefined, { status: 400, field: 'id', value: 'nope' });
httpCase('route-unknown', 'PUT /v1/runs', 'PUT', '/v1/runs', undefined, { status: 404, field: 'url' });
httpCase('auth-missing', 'no API key on a keyed server', 'POST', '/v1/runs', { config: { steps: 2 } }, { status: 401 }, {}, () => keyedServer);
httpCase('auth-wrong', 'a wrong API key', 'GET', '/v1/runs/00000000-0000-0000-0000-000000000000', undefined, { status: 401 }, { authorization: 'Bearer upshift_wrong' }, () => keyedServer);
httpCase('auth-scheme', 'authorization "Basic abc"', 'GET', '/v1/runs/00000000-0000-0000-0000-000000000000', undefined, { status: 401 }, { authorization: 'Basic abc' }, () => keyedServer);
add({
  id: 'rate-limit',
  area: 'server',
  given: '5 requests in a minute with --rate-limit 3',
  expect: '429 on the 4th, with a message saying when to retry',
  run: async () => {
    const statuses: number[] = [];
    let last = { status: 0, body: undefined as any, text: '' };
    for (let i = 0; i < 5; i++) {
      last = await http(() => keyedServer, 'GET', '/v1/runs/00000000-0000-0000-0000-000000000000', undefined, { authorization: `Bearer ${API_KEY_ENTRY.key}` });
      statuses.push(last.status);
    }
    if (statuses[3] !== 429) throw new Error(`statuses ${statuses.join(',')}`);
    mustSay(last.text, ['retry'], 'the 429 body');
    return statuses.join(',');
  },
});
add({
  id: 'run-lifecycle-errors',
  area: 'server',
  given: 'a finished run: its image ?item=5 / ?item=-1 / ?item=abc, DELETE it; the checkpoint of a run still queued (none taken yet); a cancelled run\'s image. (A finished run\'s last checkpoint is served, 200: the server README.)',
  expect: '400 item (x3), 409 state (delete a finished run, checkpoint of a queued run, image of a cancelled run); 200 and a checkpoint for the finished run',
  run: async () => {
    const made = await http(() => server, 'POST', '/v1/runs', { config: { steps: 2, resolution: { height: 16, width: 16 } } });
    if (made.status !== 202) throw new Error(`POST: ${made.text}`);
    const id = made.body.ids[0] as string;
    for (let i = 0; i < 600; i++) {
      const r = await http(() => server, 'GET', `/v1/runs/${id}`);
      if (r.body.state === 'succeeded') break;
      if (r.body.state === 'failed') throw new Error(`run failed: ${JSON.stringify(r.body.error)}`);
      await new Promise((w) => setTimeout(w, 100));
    }
    const notes: string[] = [];
    notes.push(checkHttp(await http(() => server, 'GET', `/v1/runs/${id}/image.png?item=5`), { status: 400, field: 'item', value: 5 }));
    notes.push(checkHttp(await http(() => server, 'GET', `/v1/runs/${id}/image.png?item=-1`), { status: 400, field: 'item' }));
    notes.push(checkHttp(await http(() => server, 'GET', `/v1/runs/${id}/image.png?item=abc`), { status: 400, field: 'item' }));
    // A finished run keeps its last checkpoint (this server takes one every step): served, 200.
    const last = await http(() => server, 'GET', `/v1/runs/${id}/checkpoint`);
    if (last.status !== 200 || !last.text.startsWith('UPSHCKPT')) throw new Error(`the finished run's checkpoint: HTTP ${last.status}: ${last.text.slice(0, 200)}`);
    notes.push('200');
    notes.push(checkHttp(await http(() => server, 'DELETE', `/v1/runs/${id}`), { status: 409, field: 'state' }));
    // A long run, then one queued behind it (one run at a time): the queued one has no checkpoint yet.
    const long = await http(() => server, 'POST', '/v1/runs', { config: { steps: 50 } });
    const lid = long.body.ids[0] as string;
    const queued = await http(() => server, 'POST', '/v1/runs', { config: { steps: 2 } });
    const qid = queued.body.ids[0] as string;
    notes.push(checkHttp(await http(() => server, 'GET', `/v1/runs/${qid}/checkpoint`), { status: 409, field: 'state', says: ['"queued"', 'no checkpoint'] }));
    await http(() => server, 'DELETE', `/v1/runs/${qid}`);
    // The long run, cancelled: 409 for its image; its record says cancelled.
    const cancelled = await http(() => server, 'DELETE', `/v1/runs/${lid}`);
    if (cancelled.status !== 200) throw new Error(`DELETE: ${cancelled.text}`);
    for (let i = 0; i < 300; i++) {
      const r = await http(() => server, 'GET', `/v1/runs/${lid}`);
      if (r.body.state === 'cancelled') break;
      await new Promise((w) => setTimeout(w, 100));
    }
    notes.push(checkHttp(await http(() => server, 'GET', `/v1/runs/${lid}/image.png`), { status: 409, field: 'state' }));
    return notes.map((n) => n.slice(0, 3)).join(' ');
  },
});
add({
  id: 'resume-changed-config',
  area: 'server',
  given: 'POST a real checkpoint with a config that changes steps',
  expect: '400 naming config.steps (the checkpoint\'s run cannot change it)',
  run: async () => {
    const made = await http(() => server, 'POST', '/v1/runs', { config: { steps: 40, resolution: { height: 16, width: 16 } } });
    const id = made.body.ids[0] as string;
    let bytes: Buffer | undefined;
    for (let i = 0; i < 600 && bytes === undefined; i++) {
      const res = await fetch(`${server!.url}/v1/runs/${id}/checkpoint`);
      if (res.status === 200) bytes = Buffer.from(await res.arrayBuffer());
      else await new Promise((w) => setTimeout(w, 100));
    }
    await http(() => server, 'DELETE', `/v1/runs/${id}`);
    if (bytes === undefined) throw new Error('no checkpoint came');
    const r = await http(() => server, 'POST', '/v1/runs', { checkpoint: bytes.toString('base64'), config: { steps: 41 } });
    const corrupt = Buffer.from(bytes);
    corrupt.fill(0x41, 20, 60);
    const r2 = await http(() => server, 'POST', '/v1/runs', { checkpoint: corrupt.toString('base64') });
    return `${checkHttp(r, { status: 400, says: ['steps', '41'] })}; corrupt header: ${checkHttp(r2, { status: 400, says: ['checkpoint'] })}`;
  },
});
add({
  id: 'server-stop',
  area: 'server',
  given: '(SIGTERM to both servers)',
  expect: 'both exit',
  run: async () => {
    await server?.stop();
    await keyedServer?.stop();
  },
});

// ---------------------------------------------------------------- library

/** A library case on a fresh cpu pipeline (analytic model); no tensor may be left. */
function libCase(id: string, given: string, expect: { error: 'ConfigError' | 'CheckpointError'; field: string; says?: readonly string[] }, body: (p: Pipeline) => Promise<unknown>): void {
  add({
    id,
    area: 'library',
    given,
    expect: `${expect.error} naming ${expect.field}; no tensor left`,
    run: async () => {
      await tf.setBackend('cpu');
      const pipeline = new Pipeline(createTestContainer());
      const before = tf.memory().numTensors;
      let error: unknown;
      try {
        await body(pipeline);
      } catch (e) {
        error = e;
      }
      await pipeline.whenIdle();
      pipeline.dispose();
      await tf.setBackend('cpu');
      const leaked = tf.memory().numTensors - before;
      if (error === undefined) throw new Error('no error');
      const Kind = expect.error === 'ConfigError' ? ConfigError : CheckpointError;
      if (!(error instanceof Kind)) throw new Error(`${(error as Error).name}: ${(error as Error).message}`);
      const field = (error as ConfigError).field ?? '';
      if (field !== expect.field) throw new Error(`field ${JSON.stringify(field)}, not ${JSON.stringify(expect.field)}: ${(error as Error).message}`);
      if (expect.says) mustSay((error as Error).message, expect.says, 'the message');
      if (leaked !== 0) throw new Error(`${leaked} tensors left`);
      return (error as Error).message.slice(0, 160);
    },
  });
}

const CFG = { ...TEST_CONFIG, steps: 6, policy: 'pyramid' };
let checkpoint: RunCheckpoint | undefined;
async function aCheckpoint(p: Pipeline): Promise<RunCheckpoint> {
  if (checkpoint === undefined) {
    const { checkpoints } = await collectRun(p.run(CFG, { checkpoints: { everySteps: 2 } }));
    checkpoint = checkpoints[1]!.checkpoint;
  }
  return checkpoint;
}
const run = (p: Pipeline, config: unknown, options: object = {}): Promise<unknown> => collectStage(p.run(config, options as never));

libCase('lib-config-typo', 'config { stpes: 3 }', { error: 'ConfigError', field: 'stpes' }, (p) => run(p, { ...CFG, stpes: 3 }));
libCase('lib-steps-zero', 'config.steps 0', { error: 'ConfigError', field: 'steps' }, (p) => run(p, { ...CFG, steps: 0 }));
libCase('lib-batch-zero', 'config.batch 0', { error: 'ConfigError', field: 'batch' }, (p) => run(p, { ...CFG, batch: 0 }));
libCase('lib-labels-length', 'classLabels of length 2, batch 1', { error: 'ConfigError', field: 'classLabels' }, (p) => run(p, { ...CFG, classLabels: [0, 1] }));
libCase('lib-resolution-zero', 'resolution.height 0', { error: 'ConfigError', field: 'resolution.height' }, (p) => run(p, { ...CFG, resolution: { height: 0, width: 8 } }));
libCase('lib-workers-zero', 'workers 0', { error: 'ConfigError', field: 'workers' }, (p) => run(p, { ...CFG, workers: 0 }));
libCase('lib-workers-auto-case', 'workers "AUTO"', { error: 'ConfigError', field: 'workers' }, (p) => run(p, { ...CFG, workers: 'AUTO' }));
libCase('lib-workers-many', 'workers 300', { error: 'ConfigError', field: 'workers' }, (p) => run(p, { ...CFG, workers: 300 }));
const otherDenoiser = () => createFactoryGaussianDenoiser({ mean: 0, std: 0.7, channels: 3 });
libCase('lib-workers-own-denoiser', 'workers 2 with a denoiser of the caller', { error: 'ConfigError', field: 'workers' }, (p) => run(p, { ...CFG, workers: 2 }, { denoiser: otherDenoiser() }));
libCase('lib-resizer-options', 'resizerOptions { bogus: 1 }', { error: 'ConfigError', field: 'resizerOptions.bogus' }, (p) => run(p, { ...CFG, resizerOptions: { bogus: 1 } }));
libCase('lib-stop-before-negative', 'stopBefore -1', { error: 'ConfigError', field: 'options.stopBefore' }, (p) => run(p, CFG, { stopBefore: -1 }));
libCase('lib-stop-before-fraction', 'stopBefore 1.5', { error: 'ConfigError', field: 'options.stopBefore' }, (p) => run(p, CFG, { stopBefore: 1.5 }));
libCase('lib-stop-before-string', 'stopBefore "2"', { error: 'ConfigError', field: 'options.stopBefore' }, (p) => run(p, CFG, { stopBefore: '2' }));
libCase('lib-stop-before-past-end', 'stopBefore 99 on a 6-step run (it would never stop)', { error: 'ConfigError', field: 'options.stopBefore', says: ['99', '6'] }, (p) => run(p, CFG, { stopBefore: 99 }));
libCase('lib-stop-before-behind-resume', 'stopBefore 1 resuming from step 4 (already past it)', { error: 'ConfigError', field: 'options.stopBefore', says: ['1', '4'] }, async (p) =>
  run(p, undefined, { resumeFrom: await aCheckpoint(p), stopBefore: 1 }),
);
libCase('lib-levels-negative', 'levels { min: -1 }', { error: 'ConfigError', field: 'options.levels.min' }, (p) => run(p, CFG, { levels: { min: -1 } }));
libCase('lib-levels-order', 'levels { min: 2, max: 1 }', { error: 'ConfigError', field: 'options.levels.max' }, (p) => run(p, CFG, { levels: { min: 2, max: 1 } }));
libCase('lib-levels-field', 'levels { lo: 1 }', { error: 'ConfigError', field: 'options.levels.lo' }, (p) => run(p, CFG, { levels: { lo: 1 } }));
libCase('lib-checkpoints-every', 'checkpoints { everySteps: 0 }', { error: 'ConfigError', field: 'options.checkpoints.everySteps' }, (p) => run(p, CFG, { checkpoints: { everySteps: 0 } }));
libCase('lib-checkpoints-flag', 'checkpoints { atLevelChange: "yes" }', { error: 'ConfigError', field: 'options.checkpoints.atLevelChange' }, (p) => run(p, CFG, { checkpoints: { atLevelChange: 'yes' } }));
libCase('lib-suspend-signal', 'suspendSignal "soon" (not an AbortSignal)', { error: 'ConfigError', field: 'options.suspendSignal' }, (p) => run(p, CFG, { suspendSignal: 'soon' }));
libCase('lib-hooks-string', 'hooks "x" (JavaScript caller)', { error: 'ConfigError', field: 'options.hooks' }, (p) => run(p, CFG, { hooks: 'x' }));
libCase('lib-hook-no-afterstep', 'hooks [{ name }] without afterStep', { error: 'ConfigError', field: 'options.hooks[0].afterStep' }, (p) => run(p, CFG, { hooks: [{ name: 'h' }] }));
libCase('lib-log-number', 'log 5', { error: 'ConfigError', field: 'options.log' }, (p) => run(p, CFG, { log: 5 }));
libCase('lib-denoiser-empty', 'denoiser { name } without denoise/channels', { error: 'ConfigError', field: 'options.denoiser.denoise' }, (p) => run(p, CFG, { denoiser: { name: 'd' } }));
libCase('lib-resume-empty', 'resumeFrom {}', { error: 'CheckpointError', field: 'checkpoint.version' }, (p) => run(p, undefined, { resumeFrom: {} }));
libCase('lib-resume-changed-steps', 'resumeFrom with a config of 7 steps (the checkpoint\'s has 6)', { error: 'CheckpointError', field: 'checkpoint.config.steps', says: ['7'] }, async (p) =>
  run(p, { steps: 7 }, { resumeFrom: await aCheckpoint(p) }),
);
libCase('lib-resume-other-model', 'resumeFrom on other weights (a caller\'s denoiser of the same name)', { error: 'CheckpointError', field: 'checkpoint.model.hash' }, async (p) =>
  run(p, undefined, { resumeFrom: await aCheckpoint(p), denoiser: otherDenoiser() }),
);
const decodeCase = (id: string, given: string, field: string, input: () => Promise<unknown>): void =>
  libCase(id, given, { error: 'CheckpointError', field }, async () => decodeCheckpoint((await input()) as never));
decodeCase('decode-bytes', 'decodeCheckpoint(16 random bytes)', 'checkpoint', async () => new Uint8Array(16).fill(7));
decodeCase('decode-magic', 'the magic, then a header length past the end', 'checkpoint', async () => new Uint8Array([...Buffer.from('UPSHCKPT'), 255, 255, 0, 0, 1, 2]));
decodeCase('decode-header-json', 'the magic and a header that is not JSON', 'checkpoint', async () => new Uint8Array([...Buffer.from('UPSHCKPT'), 4, 0, 0, 0, ...Buffer.from('{{{{')]));
decodeCase('decode-text', 'decodeCheckpoint("not json")', 'checkpoint', async () => 'not json');
add({
  id: 'decode-truncated-version-nan',
  area: 'library',
  given: 'a real checkpoint: truncated by 4 bytes; its JSON form with version 99; with NaN in the latent; with base64 "!!"',
  expect: 'CheckpointError naming checkpoint / checkpoint.version / checkpoint.latent.x / checkpoint.latent.x; no tensor left',
  run: async () => {
    await tf.setBackend('cpu');
    const p = new Pipeline(createTestContainer());
    const cp = await aCheckpoint(p);
    const before = tf.memory().numTensors;
    const bytes = encodeCheckpoint(cp);
    const json = JSON.parse(JSON.stringify(checkpointToJson(cp))) as Record<string, any>;
    const got: string[] = [];
    const expectField = (f: () => unknown, field: string): void => {
      try {
        f();
        throw new Error(`no error for ${field}`);
      } catch (e) {
        if (!(e instanceof CheckpointError)) throw e;
        if (!e.field.startsWith(field)) throw new Error(`field ${e.field}, not ${field}: ${e.message}`);
        got.push(e.field);
      }
    };
    expectField(() => decodeCheckpoint(bytes.slice(0, bytes.length - 4)), 'checkpoint');
    expectField(() => decodeCheckpoint({ ...json, version: 99 }), 'checkpoint.version');
    const nan = Buffer.from(new Float32Array([NaN, ...new Float32Array(Buffer.from(json.latent.x.base64, 'base64').buffer).slice(1)]).buffer).toString('base64');
    expectField(() => decodeCheckpoint({ ...json, latent: { ...json.latent, x: { ...json.latent.x, base64: nan } } }), 'checkpoint.latent.x');
    expectField(() => decodeCheckpoint({ ...json, latent: { ...json.latent, x: { ...json.latent.x, base64: '!!' } } }), 'checkpoint.latent.x');
    p.dispose();
    if (tf.memory().numTensors !== before) throw new Error(`${tf.memory().numTensors - before} tensors left`);
    return got.join(', ');
  },
});

// ---------------------------------------------------------------- web form

// The page's form values go the way the page's pipeline worker sends them: configFromForm, the
// model's recommended sampling under them (withRecommendedSampling), then the pipeline, whose
// preflight must name the field before any weights load (apps/web's real-browser test runs one
// such case end to end in Chromium).
{
  const modelConfig = readModelConfig(readFileSync(join(MODEL, 'config.json'), 'utf8'), 'config.json');
  const { measured: _m, ...sampling } = modelConfig.sampling ?? {};
  const defaults = demoFormDefaults({ policy: 'none', steps: 30, seed: 0, guidance: 2, backend: 'wasm' }, modelConfig.sampling);
  const webCase = (id: string, change: Partial<DemoFormValues>, field: string): void =>
    add({
      id,
      area: 'library',
      given: `web form ${JSON.stringify(change)}`,
      expect: `ConfigError naming ${field}, before the model loads`,
      run: async () => {
        const container = createTestContainer(); // every plugin, the shipped model's factory among them
        const child = container.createChildContainer();
        try {
          const config = withRecommendedSampling(configFromForm({ ...defaults, ...change }), sampling);
          await preflightRun({ root: container, child, config });
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          if (e.field !== field) throw new Error(`field ${e.field}, not ${field}: ${e.message}`);
          return e.message;
        } finally {
          await child.dispose();
        }
        throw new Error('no error');
      },
    });
  webCase('web-steps-empty', { steps: '' }, 'steps');
  webCase('web-steps-fraction', { steps: '2.5' }, 'steps');
  webCase('web-steps-huge', { steps: '100000' }, 'steps');
  webCase('web-seed-negative', { seed: '-1' }, 'seed');
  webCase('web-guidance-word', { guidance: 'lots' }, 'guidance');
  webCase('web-budget-zero', { policy: 'budget', budget: '0' }, 'policyOptions.fraction');
  webCase('web-budget-infeasible', { policy: 'budget', budget: '0.01' }, 'policyOptions.fraction');
  webCase('web-class-unknown', { classLabel: '42' }, 'classLabels[0]');
  webCase('web-policy-unknown', { policy: 'warp' }, 'policy');
  webCase('web-workers-zero', { workers: '0' }, 'workers');
}

// ---------------------------------------------------------------- runner

function parseArgs(argv: readonly string[]): { only?: Set<string>; report?: string; before?: string; concurrency: number; ids?: Set<string> } {
  const out: { only?: Set<string>; report?: string; before?: string; concurrency: number; ids?: Set<string> } = { concurrency: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--only') out.only = new Set(argv[++i]!.split(','));
    else if (a === '--id') out.ids = new Set(argv[++i]!.split(','));
    else if (a === '--report') out.report = argv[++i]!;
    else if (a === '--before') out.before = argv[++i]!;
    else if (a === '--concurrency') out.concurrency = Math.max(1, Number(argv[++i]));
    else throw new Error(`unknown argument ${a} (use --only cli,server,library,readme, --id a,b, --report FILE, --before EARLIER-OUTPUT, --concurrency N)`);
  }
  return out;
}

async function runCase(c: Case): Promise<Result> {
  const started = Date.now();
  const base = { id: c.id, area: c.area, given: c.given, expect: c.expect };
  const skip = c.skip?.();
  if (skip) return { ...base, status: 'skip', note: skip, ms: 0 };
  try {
    const note = (await c.run()) ?? '';
    return { ...base, status: 'pass', note: String(note), ms: Date.now() - started };
  } catch (error) {
    return { ...base, status: 'FAIL', note: (error as Error).message.split('\n')[0]!, ms: Date.now() - started };
  }
}

/** Results of an earlier sweep, from its printed lines (`pass <id> ...`), for the report's "before" column. */
function readBefore(file: string | undefined): Map<string, string> {
  const before = new Map<string, string>();
  if (file === undefined) return before;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(pass|FAIL|skip)\s+(\S+)/.exec(line);
    if (m) before.set(m[2]!, m[1]!);
  }
  return before;
}

function markdown(results: readonly Result[], before: ReadonlyMap<string, string>): string {
  const esc = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const count = (s: Result['status']): number => results.filter((r) => r.status === s).length;
  const failedBefore = results.filter((r) => before.get(r.id) === 'FAIL').length;
  return [
    '# Bad inputs: the case table',
    '',
    `Generated by \`scripts/bad-inputs.ts\` (${results.length} cases: ${count('pass')} pass, ${count('FAIL')} fail, ${count('skip')} skipped` +
      (before.size ? `; ${failedBefore} of them failed on the code before the fixes, "new" = a case added with its fix` : '') +
      '). Each case says what must happen; "what happened" is this run\'s.',
    '',
    `| case | area | given | must | ${before.size ? 'before | ' : ''}result | what happened |`,
    `|---|---|---|---|${before.size ? '---|' : ''}---|---|`,
    ...results.map((r) => `| ${r.id} | ${r.area} | ${esc(r.given)} | ${esc(r.expect)} | ${before.size ? `${before.get(r.id) ?? 'new'} | ` : ''}${r.status} | ${esc(r.note.slice(0, 200))} |`),
    '',
  ].join('\n');
}

const args = parseArgs(process.argv.slice(2));
const selected = cases.filter((c) => (!args.only || args.only.has(c.area)) && (!args.ids || args.ids.has(c.id) || c.id.startsWith('server-')));
const results: Result[] = [];
// CLI cases are child processes: run a few at once. Server and library cases run in order.
const cli = selected.filter((c) => c.area === 'cli');
const rest = selected.filter((c) => c.area !== 'cli');
const print = (r: Result): void => console.log(`${r.status.padEnd(4)} ${r.id.padEnd(34)} ${(r.ms / 1000).toFixed(1).padStart(5)} s  ${r.note.slice(0, 170)}`);
let next = 0;
const cliResults: Result[] = new Array(cli.length);
await Promise.all(
  Array.from({ length: args.concurrency }, async () => {
    while (next < cli.length) {
      const i = next++;
      cliResults[i] = await runCase(cli[i]!);
      print(cliResults[i]!);
    }
  }),
);
results.push(...cliResults);
for (const c of rest) {
  const r = await runCase(c);
  print(r);
  results.push(r);
}
rmSync(scratch, { recursive: true, force: true });
const failed = results.filter((r) => r.status === 'FAIL');
const skipped = results.filter((r) => r.status === 'skip');
console.log(`\n${results.length} cases: ${results.length - failed.length - skipped.length} pass, ${failed.length} fail, ${skipped.length} skipped`);
for (const r of skipped) console.log(`  skipped ${r.id}: ${r.note}`);
if (args.report) writeFileSync(args.report, markdown(results, readBefore(args.before)));
process.exit(failed.length ? 1 : 0);
