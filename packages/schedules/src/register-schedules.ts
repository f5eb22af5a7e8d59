import type { DependencyContainer } from 'tsyringe';
import { ScheduleFactory } from '@upshift/core';
import { exponentialScheduleFactory } from './exponential-schedule.js';
import { flowMatchingScheduleFactory } from './flow-matching-schedule.js';
import { karrasScheduleFactory } from './karras-schedule.js';
import { vpCosineScheduleFactory } from './vp-cosine-schedule.js';
import { vpLinearScheduleFactory } from './vp-linear-schedule.js';

/** Every schedule factory of this package, in registration order. */
export const SCHEDULE_FACTORIES = [
  karrasScheduleFactory,
  exponentialScheduleFactory,
  vpLinearScheduleFactory,
  vpCosineScheduleFactory,
  flowMatchingScheduleFactory,
] as const;

/**
 * Registers the schedules under the `ScheduleFactory` multi-token: "karras", "exponential",
 * "vp-linear", "vp-cosine", "flow-matching".
 */
export function registerSchedules(container: DependencyContainer): void {
  for (const factory of SCHEDULE_FACTORIES) container.register(ScheduleFactory, { useValue: factory });
}
