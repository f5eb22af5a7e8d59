#!/usr/bin/env node
/**
 * Entry point of the `upshift` command (`npm start` runs `upshift generate --out ./out`).
 * Ctrl-C ends `generate` and `compare` at once (nothing is written before their runs end; a
 * Ctrl-C while files are written removes the temporary ones); `serve` and `worker` stop
 * gracefully on the first Ctrl-C and exit on the second (see interrupts.ts).
 */
import 'reflect-metadata';
import { describeError, EXIT_CODES, runCli } from './cli-program.js';
import { installInterrupts } from './interrupts.js';

const debug = Boolean(process.env['UPSHIFT_DEBUG']);
// Anything that escapes (a backend failing again while it is freed, ...) is one line, not
// Node's dump of the offending source line (a whole minified bundle for tfjs's wasm glue).
const fatal = (error: unknown): void => {
  process.stderr.write(`upshift: ${describeError(error)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(EXIT_CODES.failure);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

const argv = process.argv.slice(2);
const controller = new AbortController();
installInterrupts(argv, controller, process.stderr);

const code = await runCli(argv, {
  io: { stdout: process.stdout, stderr: process.stderr },
  signal: controller.signal,
  debug,
});
process.exitCode = code;
// tfjs backends may keep handles open; the work is done.
setImmediate(() => process.exit(code));
