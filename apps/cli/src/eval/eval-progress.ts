/**
 * Progress of a whole evaluation on stderr: on a terminal two cli-progress bars (the
 * evaluation, weighted by planned FLOPs, with its ETA; the current set's steps), elsewhere one
 * line per finished set with the ETA. The ETA is the time per FLOP measured so far in this
 * invocation times the planned FLOPs still to sample.
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';
import type { TextSink } from '../cli-io.js';
import type { ProgressReporter, StepProgress } from '../step-progress.js';

/** Progress of the sets one invocation samples. */
export interface EvalProgress {
  /** One step reporter per set; `flops` is the set's planned FLOPs. */
  startSet(label: string, flops: number): ProgressReporter;
  /** The set finished (its FLOPs count as done). */
  endSet(): void;
  stop(): void;
}

/** `1h 02m`, `3m 05s`, `12s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Time per FLOP so far times the FLOPs left; undefined before anything was measured. */
export function etaMs(elapsedMs: number, doneFlops: number, totalFlops: number): number | undefined {
  if (!(doneFlops > 0) || !(elapsedMs > 0)) return undefined;
  return (elapsedMs / doneFlops) * Math.max(0, totalFlops - doneFlops);
}

/** Silent progress. */
export const SILENT_EVAL_PROGRESS: EvalProgress = {
  startSet: () => ({ start: () => undefined, step: () => undefined, stop: () => undefined }),
  endSet: () => undefined,
  stop: () => undefined,
};

/** Progress for `sets` sets of `totalFlops` planned FLOPs on `stream`. */
export function createEvalProgress(stream: TextSink, sets: number, totalFlops: number, now: () => number = () => performance.now()): EvalProgress {
  const t0 = now();
  let done = 0;
  let doneFlops = 0;
  let setFlops = 0;
  let setSteps = 1;
  let stepFlops = 0;
  const eta = (): string => {
    const ms = etaMs(now() - t0, doneFlops + stepFlops, totalFlops);
    return ms === undefined ? 'measuring' : formatDuration(ms);
  };
  if (!stream.isTTY) {
    let label = '';
    let setStart = 0;
    return {
      startSet(l, flops) {
        label = l;
        setFlops = flops;
        stepFlops = 0;
        setStart = now();
        return { start: () => undefined, step: () => undefined, stop: () => undefined };
      },
      endSet() {
        done++;
        doneFlops += setFlops;
        stream.write(`eval [${done}/${sets}] ${label}: ${formatDuration(now() - setStart)}; ETA ${eta()}\n`);
      },
      stop: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar(
    { stream: stream as unknown as Writable, hideCursor: true, clearOnComplete: false, autopadding: true, format: '{label} {bar} {value}/{total} {detail}' },
    cliProgress.Presets.shades_classic,
  );
  const overall = multi.create(sets, 0, { label: 'eval', detail: `sets | ETA ${eta()}` });
  let bar: cliProgress.SingleBar | undefined;
  return {
    startSet(label, flops) {
      setFlops = flops;
      stepFlops = 0;
      return {
        start(_l: string, steps: number) {
          setSteps = steps;
          bar = multi.create(steps, 0, { label: label.slice(0, 40).padEnd(40), detail: '' });
        },
        step(p: StepProgress) {
          stepFlops = (setFlops * (p.index + 1)) / setSteps;
          bar?.update(p.index + 1, { detail: `level ${p.level} (${p.side}px) sigma ${p.sigma.toPrecision(3)} ${Math.round(p.ms)} ms/step` });
          overall.update(done, { detail: `sets | ETA ${eta()}` });
        },
        stop() {
          if (bar) multi.remove(bar);
          bar = undefined;
        },
      };
    },
    endSet() {
      done++;
      doneFlops += setFlops;
      stepFlops = 0;
      overall.update(done, { detail: `sets | ETA ${eta()}` });
    },
    stop() {
      multi.stop();
    },
  };
}
