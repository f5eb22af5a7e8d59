/**
 * The demo's controller: reads the form, runs the pipeline in its Web Worker (through
 * {@link PipelineClient}) and shows the stream as it comes (plan bar on `start`, live x0
 * estimate per `step`, image and stats on `done`). The main thread only draws: a model call
 * never blocks the page. Cancel is an unsubscribe: the worker stops the run before its next
 * model call and frees its tensors; the page asks the worker for its tensor count (answered
 * once every run has cleaned up) before it is idle again. "Compare" runs the last config at
 * full resolution (policy none, same seed) and shows the pair with its PSNR and time ratio.
 *
 * What the page shows always belongs to the run in progress or the last one: a new run clears
 * the preview and the plan (and, for a new image, the result), and a failed run clears its
 * partial preview, so nothing stale stays beside an error.
 *
 * `document.body.dataset.state` is `loading`, `idle`, `running`, `cancelling` or `error`
 * (boot failed), for styling and for the end-to-end test.
 */
import type { Subscription } from 'rxjs';
import type { DoneEvent } from '@upshift/core';
import { psnr, timeRatio } from '@upshift/metrics';
import type { PipelineConfig } from '@upshift/pipeline';
import type { BackendStatus } from './backend-list.js';
import type { DemoElements } from './demo-elements.js';
import { AUTO_WORKERS, configFromForm, fullResolutionConfig } from './demo-form.js';
import type { DemoFormValues } from './demo-form.js';
import { formatDb, formatFlops, formatFraction, formatMs } from './format.js';
import { clearCanvas, drawImage4D, imageChecksum } from './image-pixels.js';
import type { PipelineClient } from './pipeline-client.js';
import { markPlanProgress, renderPlan, sideAtLevel } from './plan-view.js';
import type { RemoteStartEvent, RemoteStepEvent, WorkerMemory } from './worker-protocol.js';

/** Page states (`body[data-state]`). */
export type DemoState = 'loading' | 'idle' | 'running' | 'cancelling' | 'error';

/** A finished run the comparison can pair with its full-resolution twin. */
interface FinishedRun {
  readonly config: Partial<PipelineConfig>;
  readonly start: RemoteStartEvent;
  readonly done: DoneEvent;
  /** start -> done in the page, ms (the model is loaded before `start`). */
  readonly wallMs: number;
}

/** The run in progress. */
interface ActiveRun {
  readonly kind: 'generate' | 'compare';
  readonly subscription: Subscription;
  stepsDone: number;
  steps: number;
}

const MAX_LOG_LINES = 30;

/** Drives one page. */
export class DemoApp {
  private active: ActiveRun | undefined;
  private last: FinishedRun | undefined;

  constructor(
    private readonly el: DemoElements,
    private readonly client: PipelineClient,
  ) {}

  /** Fills the menus (model classes, backends with their availability) and enables the form. */
  init(classes: readonly string[], backends: readonly BackendStatus[], defaults: DemoFormValues): void {
    const { el } = this;
    el.classLabel.replaceChildren(
      ...classes.map((name, i) => new Option(name, String(i))),
      new Option('none (unconditional)', ''),
    );
    const best = backends.find((b) => b.available);
    el.backend.replaceChildren(
      new Option(`auto${best ? ` (${best.name})` : ''}`, 'auto'),
      ...backends.map((b) => {
        const option = new Option(b.available ? b.name : `${b.name} — unavailable`, b.name);
        option.disabled = !b.available;
        option.title = b.note;
        return option;
      }),
    );
    const noteOf = (name: string) => {
      const status = name === 'auto' ? best : backends.find((b) => b.name === name);
      return status ? `${status.name}: ${status.note}` : 'no backend can run here';
    };
    for (const b of backends) if (!b.available) this.log(`${b.name} unavailable: ${b.note}`);

    el.classLabel.value = defaults.classLabel;
    el.policy.value = defaults.policy;
    el.budget.value = defaults.budget;
    el.steps.value = defaults.steps;
    el.seed.value = defaults.seed;
    el.guidance.value = defaults.guidance;
    el.backend.value = defaults.backend;
    // 1 = the pipeline worker alone; N = a pool of N Web Workers (a model call has at most 2 rows
    // here: one image, and its guidance half).
    const cores = Math.max(2, Math.min(8, navigator.hardwareConcurrency || 2));
    el.workers.replaceChildren(
      new Option(`auto (${crossOriginIsolated ? 'wasm threads: the page is cross-origin isolated' : 'Web Workers: the page is not cross-origin isolated'})`, AUTO_WORKERS),
      new Option('1 (the pipeline worker)', '1'),
      ...Array.from({ length: cores - 1 }, (_, i) => new Option(`${i + 2} Web Workers`, String(i + 2))),
    );
    el.workers.value = defaults.workers;
    el.backendNote.textContent = noteOf(el.backend.value);
    el.budgetField.hidden = el.policy.value !== 'budget';

    el.policy.addEventListener('change', () => (el.budgetField.hidden = el.policy.value !== 'budget'));
    el.backend.addEventListener('change', () => (el.backendNote.textContent = noteOf(el.backend.value)));
    el.newSeed.addEventListener('click', () => (el.seed.value = String(Math.floor(Math.random() * 2 ** 31))));
    el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.generate();
    });
    el.cancel.addEventListener('click', () => void this.cancel());
    el.compare.addEventListener('click', () => this.compare());
    void this.goIdle('Ready.');
  }

  /** Shows a failure that leaves the page unusable (e.g. the model config did not load). */
  fail(error: unknown): void {
    this.showError(error);
    this.setState('error', 'Failed to start.');
  }

  private formValues(): DemoFormValues {
    const { el } = this;
    return {
      classLabel: el.classLabel.value,
      policy: el.policy.value,
      steps: el.steps.value,
      seed: el.seed.value,
      guidance: el.guidance.value,
      budget: el.budget.value,
      backend: el.backend.value,
      workers: el.workers.value,
    };
  }

  private generate(): void {
    if (this.active !== undefined) return;
    let config: Partial<PipelineConfig>;
    try {
      config = configFromForm(this.formValues());
    } catch (error) {
      // Nothing runs: what the live panel showed belonged to the previous run.
      this.clearLive('Not started.');
      this.showError(error);
      return;
    }
    this.start('generate', config);
  }

  private compare(): void {
    if (this.active !== undefined || this.last === undefined) return;
    this.start('compare', fullResolutionConfig(this.last.config));
  }

  private start(kind: ActiveRun['kind'], config: Partial<PipelineConfig>): void {
    const { el } = this;
    this.showError(undefined);
    this.clearLive('Loading the model and the backend…');
    if (kind === 'generate') this.clearResult();
    let start: RemoteStartEvent | undefined;
    let startedAt = 0;
    const run: ActiveRun = {
      kind,
      steps: config.steps ?? 0,
      stepsDone: 0,
      subscription: this.client.run(config, { log: (line) => this.log(line) }).subscribe({
        next: (event: RemoteStepEvent) => {
          switch (event.type) {
            case 'start':
              start = event;
              startedAt = performance.now();
              run.steps = event.plan.steps.length;
              this.showPlan(event);
              break;
            case 'resolution-change': {
              const side = this.side(start);
              this.log(`step ${event.index + 1}: ${sideAtLevel(side, event.from)} → ${sideAtLevel(side, event.to)} px (per-pixel σ ${event.sigmaBefore.toPrecision(3)} → ${event.sigmaAfter.toPrecision(3)})`);
              break;
            }
            case 'step':
              if (event.preview !== undefined) drawImage4D(el.preview, event.preview);
              run.stepsDone = event.index + 1;
              markPlanProgress(el.plan, run.stepsDone);
              el.progress.textContent = `Step ${run.stepsDone} / ${event.steps} at ${sideAtLevel(this.side(start), event.level)} px, σ ${event.sigma.toPrecision(3)} → ${event.sigmaNext.toPrecision(3)} (${formatMs(event.ms)})`;
              break;
            case 'done':
              if (start !== undefined) this.finished(kind, { config, start, done: event, wallMs: performance.now() - startedAt });
              break;
          }
        },
        error: (error: unknown) => void this.ended(run, error),
        complete: () => void this.ended(run, undefined),
      }),
    };
    if (!run.subscription.closed) {
      this.active = run;
      this.setState('running', kind === 'generate' ? 'Generating…' : 'Running the full-resolution reference…');
    }
  }

  /** Empties the live panel (preview and plan), with `progress` as its status line. */
  private clearLive(progress: string): void {
    const { el } = this;
    clearCanvas(el.preview);
    el.plan.replaceChildren();
    el.planSummary.textContent = '';
    el.progress.textContent = progress;
  }

  /** Empties the result panel (a new image is coming; the comparison belongs to the old one). */
  private clearResult(): void {
    const { el } = this;
    this.last = undefined;
    el.result.dataset['ready'] = 'false';
    clearCanvas(el.resultImage);
    for (const dd of [el.flopFraction, el.wallTime, el.flops, el.runBackend]) dd.textContent = '—';
    el.wallTime.title = '';
    el.comparison.hidden = true;
  }

  /** Full-resolution side of the run (the config the start event carries back). */
  private side(start: RemoteStartEvent | undefined): number {
    const resolution = start?.config['resolution'] as { width?: number } | undefined;
    return resolution?.width ?? 64;
  }

  private showPlan(start: RemoteStartEvent): void {
    const { plan } = start;
    renderPlan(this.el.plan, plan, this.side(start));
    const levels = plan.steps.map((s) => s.level);
    const sides = [...new Set(levels)].map((level) => `${sideAtLevel(this.side(start), level)} px × ${levels.filter((l) => l === level).length}`);
    const { sampler, schedule } = start.config;
    this.el.planSummary.textContent = `${plan.policy}: ${sides.join(', ')} — predicted FLOP fraction ${formatFraction(plan.flopFraction)} on ${start.backend} (${String(sampler)} sampler, ${String(schedule)} schedule)`;
    this.el.progress.textContent = 'Running…';
  }

  private finished(kind: ActiveRun['kind'], run: FinishedRun): void {
    const { el } = this;
    const { done, start } = run;
    drawImage4D(el.preview, done.image);
    markPlanProgress(el.plan, done.stats.steps);
    el.progress.textContent = `Done: ${done.stats.steps} steps, ${done.stats.modelCalls} model calls.`;
    if (kind === 'generate') {
      this.last = run;
      drawImage4D(el.resultImage, done.image);
      el.flopFraction.textContent = formatFraction(done.stats.flopFraction);
      el.wallTime.textContent = formatMs(run.wallMs);
      el.wallTime.title = `sampling time measured by the pipeline: ${formatMs(done.stats.ms)}`;
      el.flops.textContent = formatFlops(done.stats.flops);
      el.runBackend.textContent = start.workers > 1 ? `${start.backendLabel} × ${start.workers} Web Workers` : start.backendLabel;
      el.runBackend.dataset['workers'] = String(start.workers);
      el.result.dataset['checksum'] = imageChecksum(done.image);
      el.result.dataset['ready'] = 'true';
      return;
    }
    const upshifted = this.last;
    if (upshifted === undefined) return;
    const policy = upshifted.start.plan.policy;
    drawImage4D(el.compareUpshifted, upshifted.done.image);
    drawImage4D(el.compareFull, done.image);
    el.compareUpshiftedCaption.textContent = `${policy}: ${formatMs(upshifted.wallMs)}, FLOP fraction ${formatFraction(upshifted.done.stats.flopFraction)}`;
    el.compareFullCaption.textContent = `full resolution: ${formatMs(run.wallMs)}`;
    el.psnr.textContent = formatDb(psnr(upshifted.done.image, done.image).mean);
    el.timeRatio.textContent = `${formatFraction(timeRatio(upshifted.wallMs, run.wallMs))} (${policy} / full)`;
    el.compareFlopFraction.textContent = formatFraction(upshifted.done.stats.flopFraction);
    el.comparison.hidden = false;
  }

  /** The run completed or failed: once the worker has freed it, go idle. */
  private async ended(run: ActiveRun, error: unknown): Promise<void> {
    if (this.active === run) this.active = undefined;
    if (error !== undefined) {
      // The failed run's partial x0 estimate must not stay beside the error.
      clearCanvas(this.el.preview);
      this.showError(error);
      this.el.progress.textContent = 'Failed.';
    }
    await this.goIdle(error === undefined ? `Finished ${run.kind === 'generate' ? 'run' : 'comparison'}.` : 'Run failed.');
  }

  /** Unsubscribes (the worker cancels the run); the page is idle once the worker has freed it. */
  private async cancel(): Promise<void> {
    const run = this.active;
    if (run === undefined) return;
    this.active = undefined;
    run.subscription.unsubscribe();
    this.setState('cancelling', 'Cancelling…');
    const where = `after ${run.stepsDone} of ${run.steps || '?'} steps`;
    this.el.progress.textContent = `Cancelled ${where}.`;
    this.log(`cancelled ${where}`);
    await this.goIdle(`Cancelled ${where}.`);
  }

  /** Asks the worker for its tensor count (answered when every run has cleaned up), then goes idle. */
  private async goIdle(status: string): Promise<void> {
    try {
      this.showMemory(await this.client.memory());
    } catch (error) {
      this.showError(error);
    }
    if (this.active === undefined) this.setState('idle', status);
  }

  private showMemory(memory: WorkerMemory): void {
    const { tensors } = this.el;
    const pool = memory.poolWorkers ?? [];
    const poolText = pool.length ? `; ${pool.length} pool worker${pool.length === 1 ? '' : 's'}: ${pool.map((w) => w.numTensors).join(' / ')}` : '';
    tensors.textContent = `${memory.numTensors} tensors live in the worker${memory.backend ? ` on ${memory.backend}` : ''}${poolText}`;
    tensors.title = `${(memory.numBytes / 2 ** 20).toFixed(1)} MiB`;
    tensors.dataset['count'] = String(memory.numTensors);
    // Each pool worker's tensors beyond its model's weights (0 = nothing leaked there).
    tensors.dataset['poolExtra'] = JSON.stringify(pool.map((w) => w.numTensors - w.modelTensors));
  }

  private setState(state: DemoState, status: string): void {
    const { el } = this;
    document.body.dataset['state'] = state;
    el.status.textContent = status;
    el.run.disabled = state !== 'idle';
    el.compare.disabled = state !== 'idle' || this.last === undefined || this.last.start.plan.policy === 'none';
    el.cancel.disabled = state !== 'running';
  }

  private showError(error: unknown): void {
    const { el } = this;
    if (error === undefined) {
      el.error.hidden = true;
      el.error.textContent = '';
      return;
    }
    el.error.textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    el.error.hidden = false;
  }

  private log(line: string): void {
    const item = document.createElement('li');
    item.textContent = line;
    this.el.log.prepend(item);
    while (this.el.log.children.length > MAX_LOG_LINES) this.el.log.lastElementChild?.remove();
  }
}
