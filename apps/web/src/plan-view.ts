/**
 * The plan bar: one cell per step, as tall and as dark as the resolution it runs at, so the
 * shape of a policy (coarse early, full at the end) is visible before the first model call.
 * Steps done and the current step are marked as the run goes.
 */
import type { UpshiftPlan } from '@upshift/core';

/** Side in pixels of `level` for a run at `side` px (level k = side / 2^k). */
export function sideAtLevel(side: number, level: number): number {
  return side / 2 ** level;
}

/** Renders `plan` into `bar` (replacing what was there); `side` is the run's full resolution. */
export function renderPlan(bar: HTMLElement, plan: UpshiftPlan, side: number): void {
  const cells = plan.steps.map((step) => {
    const cell = document.createElement('div');
    const px = sideAtLevel(side, step.level);
    cell.className = 'plan-cell';
    cell.dataset['level'] = String(step.level);
    cell.style.height = `${Math.max(15, 100 / 2 ** step.level)}%`;
    cell.title = `step ${step.index + 1}: sigma ${step.sigma.toPrecision(3)} → ${step.sigmaNext.toPrecision(3)} at ${px} px`;
    cell.textContent = String(px);
    return cell;
  });
  bar.replaceChildren(...cells);
  bar.dataset['steps'] = String(plan.steps.length);
}

/** Marks steps before `index` done and `index` current (`index` = steps: all done). */
export function markPlanProgress(bar: HTMLElement, index: number): void {
  bar.querySelectorAll<HTMLElement>('.plan-cell').forEach((cell, i) => {
    cell.classList.toggle('done', i < index);
    cell.classList.toggle('current', i === index);
  });
}
