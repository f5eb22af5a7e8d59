/**
 * Per-step progress on stderr: a cli-progress bar with the step's level (and its side in
 * pixels) and sigma on a terminal; one plain line per step otherwise (logs, CI), or nothing
 * when quiet.
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';
import type { TextSink } from './cli-io.js';

/** What a step reports. */
export interface StepProgress {
  readonly index: number;
  readonly steps: number;
  readonly level: number;
  readonly side: number;
  readonly sigma: number;
  readonly ms: number;
}

/** Receives run progress. */
export interface ProgressReporter {
  start(label: string, steps: number): void;
  step(p: StepProgress): void;
  stop(): void;
}

/** A reporter that ignores everything. */
export const SILENT_PROGRESS: ProgressReporter = { start: () => undefined, step: () => undefined, stop: () => undefined };

/** A bar on a TTY, plain lines elsewhere. */
export function createProgressReporter(stream: TextSink): ProgressReporter {
  if (!stream.isTTY) {
    let label = '';
    return {
      start(l) {
        label = l;
      },
      step(p) {
        stream.write(`${label} step ${p.index + 1}/${p.steps}  level ${p.level} (${p.side}px)  sigma ${p.sigma.toPrecision(4)}  ${Math.round(p.ms)} ms\n`);
      },
      stop: () => undefined,
    };
  }
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label, steps) {
      bar = new cliProgress.SingleBar(
        {
          stream: stream as unknown as Writable,
          format: `${label} {bar} {value}/{total} | level {level} ({side}px) | sigma {sigma} | {stepMs} ms/step | ETA {eta_formatted}`,
          hideCursor: false, // Ctrl-C ends the process at once: never leave the terminal without a cursor
          clearOnComplete: false,
          etaBuffer: 4,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(steps, 0, { level: '-', side: '-', sigma: '-', stepMs: '-' });
    },
    step(p) {
      bar?.update(p.index + 1, { level: p.level, side: p.side, sigma: p.sigma.toPrecision(4), stepMs: Math.round(p.ms) });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
