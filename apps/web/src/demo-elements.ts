/** The page's elements the demo drives, looked up once by id (a missing one is a clear error). */

/** Every element of index.html the demo reads or writes. */
export interface DemoElements {
  readonly form: HTMLFormElement;
  readonly classLabel: HTMLSelectElement;
  readonly policy: HTMLSelectElement;
  readonly budgetField: HTMLElement;
  readonly budget: HTMLInputElement;
  readonly steps: HTMLInputElement;
  readonly seed: HTMLInputElement;
  readonly newSeed: HTMLButtonElement;
  readonly guidance: HTMLInputElement;
  readonly backend: HTMLSelectElement;
  readonly backendNote: HTMLElement;
  readonly workers: HTMLSelectElement;
  readonly run: HTMLButtonElement;
  readonly cancel: HTMLButtonElement;
  readonly preview: HTMLCanvasElement;
  readonly progress: HTMLElement;
  readonly plan: HTMLElement;
  readonly planSummary: HTMLElement;
  readonly result: HTMLElement;
  readonly resultImage: HTMLCanvasElement;
  readonly flopFraction: HTMLElement;
  readonly wallTime: HTMLElement;
  readonly flops: HTMLElement;
  readonly runBackend: HTMLElement;
  readonly compare: HTMLButtonElement;
  readonly comparison: HTMLElement;
  readonly compareUpshifted: HTMLCanvasElement;
  readonly compareUpshiftedCaption: HTMLElement;
  readonly compareFull: HTMLCanvasElement;
  readonly compareFullCaption: HTMLElement;
  readonly psnr: HTMLElement;
  readonly timeRatio: HTMLElement;
  readonly compareFlopFraction: HTMLElement;
  readonly error: HTMLElement;
  readonly status: HTMLElement;
  readonly tensors: HTMLElement;
  readonly log: HTMLOListElement;
}

function byId<T extends HTMLElement>(doc: Document, id: string, type: { new (): T; readonly name: string }): T {
  const el = doc.getElementById(id);
  if (!(el instanceof type)) throw new Error(`index.html: #${id} is missing or not a ${type.name}`);
  return el;
}

/** Looks the elements up in `doc`. */
export function demoElements(doc: Document = document): DemoElements {
  const el = <T extends HTMLElement>(id: string, type: { new (): T; readonly name: string }) => byId(doc, id, type);
  return {
    form: el('controls', HTMLFormElement),
    classLabel: el('class', HTMLSelectElement),
    policy: el('policy', HTMLSelectElement),
    budgetField: el('budget-field', HTMLElement),
    budget: el('budget', HTMLInputElement),
    steps: el('steps', HTMLInputElement),
    seed: el('seed', HTMLInputElement),
    newSeed: el('new-seed', HTMLButtonElement),
    guidance: el('guidance', HTMLInputElement),
    backend: el('backend', HTMLSelectElement),
    backendNote: el('backend-note', HTMLElement),
    workers: el('workers', HTMLSelectElement),
    run: el('run', HTMLButtonElement),
    cancel: el('cancel', HTMLButtonElement),
    preview: el('preview', HTMLCanvasElement),
    progress: el('progress', HTMLElement),
    plan: el('plan', HTMLElement),
    planSummary: el('plan-summary', HTMLElement),
    result: el('result', HTMLElement),
    resultImage: el('result-image', HTMLCanvasElement),
    flopFraction: el('flop-fraction', HTMLElement),
    wallTime: el('wall-time', HTMLElement),
    flops: el('flops', HTMLElement),
    runBackend: el('run-backend', HTMLElement),
    compare: el('compare', HTMLButtonElement),
    comparison: el('comparison', HTMLElement),
    compareUpshifted: el('compare-upshifted', HTMLCanvasElement),
    compareUpshiftedCaption: el('compare-upshifted-caption', HTMLElement),
    compareFull: el('compare-full', HTMLCanvasElement),
    compareFullCaption: el('compare-full-caption', HTMLElement),
    psnr: el('psnr', HTMLElement),
    timeRatio: el('time-ratio', HTMLElement),
    compareFlopFraction: el('compare-flop-fraction', HTMLElement),
    error: el('error', HTMLElement),
    status: el('status', HTMLElement),
    tensors: el('tensors', HTMLElement),
    log: el('log', HTMLOListElement),
  };
}
