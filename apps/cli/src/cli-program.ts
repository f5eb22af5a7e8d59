/**
 * The `upshift` program: commander commands wired to the pipeline, with one error policy.
 * Bad input (an unknown option or plugin name, a malformed number or JSON, options a plugin
 * rejects) prints one line naming the option and value and exits with code 2; other failures
 * print one line and exit with 1 (set UPSHIFT_DEBUG=1 for the stack); an interrupted run
 * exits with 130. No output file is left behind in any of these cases.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Command, CommanderError } from 'commander';
import { container as rootContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError } from '@upshift/core';
import { Pipeline, registerAll } from '@upshift/pipeline';
import type { CliIo } from './cli-io.js';
import type { RawCompareOptions } from './compare-command.js';
import { defineCompareOptions, resolveCompareOptions, runCompare } from './compare-command.js';
import type { RawGenerateOptions } from './generate-command.js';
import { defineGenerateOptions, resolveGenerateOptions, runGenerate } from './generate-command.js';
import type { RawEvalOptions } from './eval/eval-options.js';
import { defineEvalOptions, resolveEvalOptions } from './eval/eval-options.js';
import { runEval } from './eval/eval-command.js';
import { InterruptedError } from './run-with-progress.js';
import { guardOptionValues } from './option-guard.js';
import { oneLineCommanderError, rejectStrayArguments } from './command-errors.js';
import { classesHelpText, versionText } from './program-info.js';
import type { RawServeOptions, RawWorkerOptions } from './service-commands.js';
import { defineServeOptions, defineWorkerOptions, resolveServeOptions, resolveWorkerOptions, runApiKey, runServe, runWorker } from './service-commands.js';

/** Exit codes of the CLI. */
export const EXIT_CODES = { ok: 0, failure: 1, badInput: 2, interrupted: 130 } as const;

/** How {@link runCli} is wired (tests pass their own). */
export interface CliContext {
  readonly io: CliIo;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
  /** Container with the plugins; default: a child of tsyringe's root with `registerAll`. */
  readonly container?: DependencyContainer;
  /** Print stacks of unexpected errors. */
  readonly debug?: boolean;
}

/** A one-line description of an error for the terminal. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? 'error' : error.name}: ${error.message.split('\n')[0]}`;
  return `error: ${String(error)}`;
}

/** The eval command as the page shows it: without the options that only split the work into chunks. */
function evalCommandLine(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--max-sets') i++;
    else if (argv[i] !== '--sample-only' && argv[i] !== '--no-progress' && !argv[i]!.startsWith('--max-sets=')) out.push(argv[i]!);
  }
  return ['upshift', ...out].join(' ');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { io } = ctx;
  // --verbose is read before parsing: it decides how the backends are registered.
  const verbose = argv.includes('--verbose');
  // tfjs's warnings (the "install tfjs-node" banner on every run, ...) only with --verbose.
  // Worker threads of the denoiser pool inherit the environment, and follow it (pool-worker.ts).
  if (!verbose) {
    tf.enableProdMode();
    process.env['UPSHIFT_QUIET_TFJS'] = '1';
  } else {
    delete process.env['UPSHIFT_QUIET_TFJS'];
  }
  const container = ctx.container ?? rootContainer.createChildContainer();
  // With --verbose, Dawn is created even without a Vulkan driver, so its own messages show.
  if (ctx.container === undefined) registerAll(container, verbose ? { backendOptions: { webgpu: { driverCheck: false } } } : {});
  let pipeline: Pipeline | undefined;
  const getPipeline = (): Pipeline => (pipeline ??= new Pipeline(container));

  const program = new Command('upshift')
    .version(versionText(), '-V, --version', 'print the version (and the Node and tfjs versions)')
    .description('Resolution-adaptive diffusion sampling: generate images, compare upshift policies, serve them over HTTP.')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // One line per error: commander's "(Did you mean --steps?)" joins the error line.
      outputError: (s, write) => write(oneLineCommanderError(s)),
    });
  defineGenerateOptions(
    program
      .command('generate')
      .description('generate images with the shipped model (PNG per image, a grid, a JSON sidecar)')
      .exitOverride(),
  )
    .addHelpText('after', classesHelpText)
    .action(async (raw: RawGenerateOptions) => {
      const options = await resolveGenerateOptions(raw, container);
      await runGenerate(options, getPipeline(), io, ctx.signal);
    });
  defineCompareOptions(
    program
      .command('compare')
      .alias('bench')
      .description('run the same seeds under several policies; table of FLOPs, time, PSNR/SSIM and SWD')
      .exitOverride(),
  )
    .addHelpText('after', classesHelpText)
    .action(async (raw: RawCompareOptions) => {
      const options = await resolveCompareOptions(raw, container);
      await runCompare(options, getPipeline(), io, ctx.signal);
    });

  defineEvalOptions(
    program
      .command('eval')
      .description('the evidence page: policies, the compatibility matrix and the analytic check -> RESULTS.md, eval.json and figures (resumable)')
      .exitOverride(),
  ).action(async (raw: RawEvalOptions) => {
    const options = await resolveEvalOptions(raw, container);
    await runEval(options, getPipeline(), io, { container, command: evalCommandLine(argv), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  });

  defineServeOptions(
    program
      .command('serve')
      .description('HTTP API (Fastify): runs in this process, or on BullMQ workers with --redis')
      .exitOverride(),
  ).action(async (raw: RawServeOptions) => {
    await runServe(resolveServeOptions(raw), io, ctx.signal);
  });
  defineWorkerOptions(
    program
      .command('worker')
      .description('take runs from the BullMQ queues of some levels (--redis), checkpointing them in Redis')
      .exitOverride(),
  ).action(async (raw: RawWorkerOptions) => {
    await runWorker(resolveWorkerOptions(raw), io, ctx.signal);
  });
  program
    .command('api-key')
    .description('print a new API key and its hashed entry for UPSHIFT_API_KEYS / --api-keys-file')
    .argument('<name>', 'key name (shown in logs and rate limits)')
    .exitOverride()
    .action((name: string) => runApiKey(name, io));

  guardOptionValues(program);
  rejectStrayArguments(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its message; help and version are not errors.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return EXIT_CODES.ok;
      return EXIT_CODES.badInput;
    }
    if (error instanceof InterruptedError) {
      io.stderr.write('interrupted: no files were written\n');
      return EXIT_CODES.interrupted;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`upshift: ${error.message}\n`);
      return EXIT_CODES.badInput;
    }
    io.stderr.write(`upshift: ${describeError(error)}\n`);
    if (ctx.debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT_CODES.failure;
  } finally {
    if (pipeline) {
      pipeline.dispose();
      await pipeline.whenIdle();
    }
  }
}
