#!/usr/bin/env node
/**
 * Entry point of the `upshift` command (`npm start` runs `upshift generate --out ./out`).
 * Ctrl-C ends `generate` and `compare` at once (nothing is written before their runs end; a
 * Ctrl-C while files are written removes the temporary ones); `serve` and `worker` stop
 * gracefully on the first Ctrl-C and exit on the second (see interrupts.ts).
 */
import 'reflect-metadata';
import { runCli } from './cli-program.js';
import { installInterrupts } from './interrupts.js';

const argv = process.argv.slice(2);
const controller = new AbortController();
installInterrupts(argv, controller, process.stderr);

const code = await runCli(argv, {
  io: { stdout: process.stdout, stderr: process.stderr },
  signal: controller.signal,
  debug: Boolean(process.env['UPSHIFT_DEBUG']),
});
process.exitCode = code;
// tfjs backends may keep handles open; the work is done.
setImmediate(() => process.exit(code));
