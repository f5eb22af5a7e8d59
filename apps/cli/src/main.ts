#!/usr/bin/env node
/**
 * Entry point of the `upshift` command (`npm start` runs `upshift generate --out ./out`).
 * Ctrl-C aborts the run (no files are written); a second Ctrl-C exits at once, removing any
 * temporary files.
 */
import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { PENDING_OUTPUTS } from './atomic-output.js';
import { EXIT_CODES, runCli } from './cli-program.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (!controller.signal.aborted) {
    process.stderr.write('\ninterrupting (Ctrl-C again to exit now)...\n');
    controller.abort();
    return;
  }
  for (const output of PENDING_OUTPUTS) output.abortSync((p) => rmSync(p, { force: true }));
  process.exit(EXIT_CODES.interrupted);
});

const code = await runCli(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr },
  signal: controller.signal,
  debug: Boolean(process.env['UPSHIFT_DEBUG']),
});
process.exitCode = code;
// tfjs backends may keep handles open; the work is done.
setImmediate(() => process.exit(code));
