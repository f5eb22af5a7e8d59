/**
 * What Ctrl-C does to the `upshift` process. A model call blocks the thread for up to seconds
 * (wasm and cpu kernels run synchronously), and a JavaScript SIGINT handler runs only once it
 * returns: so `generate` and `compare` keep the default action while they sample — the
 * process ends at once, and nothing has been written yet (files are written only after the
 * runs). While their files are being written, Ctrl-C removes the temporary files, then exits
 * with 130. `serve` and `worker` stop gracefully on the first Ctrl-C (draining their runs) and
 * exit on the second.
 */
import { rmSync } from 'node:fs';
import { PENDING_OUTPUTS, PENDING_OUTPUTS_LISTENERS } from './atomic-output.js';
import type { TextSink } from './cli-io.js';

/** Commands that end at once on Ctrl-C (see the file comment). */
export const IMMEDIATE_EXIT_COMMANDS: ReadonlySet<string> = new Set(['generate', 'compare', 'bench']);

/** Exit code of an interrupted command (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;

/** The subcommand in `argv` (the first word that is not an option), if any. */
export function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-'));
}

/** Removes every pending output's temporary files, then exits with 130. */
function removeTemporariesAndExit(): never {
  for (const output of PENDING_OUTPUTS) output.abortSync((p) => rmSync(p, { force: true }));
  process.exit(INTERRUPTED_EXIT_CODE);
}

/**
 * Sets up Ctrl-C for the command in `argv`. For `generate` / `compare`, a SIGINT handler is
 * installed only while files are pending; otherwise the first Ctrl-C aborts `controller`
 * (the command shuts down) and the second exits at once.
 */
export function installInterrupts(argv: readonly string[], controller: AbortController, stderr: TextSink): void {
  const command = commandOf(argv);
  if (command !== undefined && IMMEDIATE_EXIT_COMMANDS.has(command)) {
    PENDING_OUTPUTS_LISTENERS.add((pending) => {
      if (pending > 0 && process.listenerCount('SIGINT') === 0) process.on('SIGINT', removeTemporariesAndExit);
      if (pending === 0) process.off('SIGINT', removeTemporariesAndExit);
    });
    return;
  }
  process.on('SIGINT', () => {
    if (!controller.signal.aborted) {
      stderr.write('\ninterrupting (Ctrl-C again to exit now)...\n');
      controller.abort();
      return;
    }
    removeTemporariesAndExit();
  });
}
