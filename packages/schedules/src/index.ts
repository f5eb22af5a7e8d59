/**
 * @upshift/schedules — noise schedules as pure functions of plain numbers: sigma grids ending
 * in 0, t <-> sigma <-> logSNR, the resolution shift and the SD3 time shift.
 */
export type { SigmaSchedule } from './sigma-schedule.js';
export type { TimeGridDefinition } from './time-grid-schedule.js';
export { createTimeGridSchedule } from './time-grid-schedule.js';
export type { KarrasScheduleOptions } from './karras-schedule.js';
export {
  KARRAS_SCHEDULE_DEFAULTS,
  createKarrasSchedule,
  karrasSigmas,
  karrasScheduleFactory,
  resolveKarrasOptions,
} from './karras-schedule.js';
export type { ExponentialScheduleOptions } from './exponential-schedule.js';
export {
  EXPONENTIAL_SCHEDULE_DEFAULTS,
  createExponentialSchedule,
  exponentialScheduleFactory,
  resolveExponentialOptions,
} from './exponential-schedule.js';
export type { VpLinearScheduleOptions } from './vp-linear-schedule.js';
export {
  VP_LINEAR_SCHEDULE_DEFAULTS,
  createVpLinearSchedule,
  vpLinearAlphasCumprod,
  vpLinearScheduleFactory,
  resolveVpLinearOptions,
} from './vp-linear-schedule.js';
export type { VpCosineScheduleOptions } from './vp-cosine-schedule.js';
export {
  VP_COSINE_SCHEDULE_DEFAULTS,
  cosineAlphaBar,
  createVpCosineSchedule,
  vpCosineScheduleFactory,
  resolveVpCosineOptions,
} from './vp-cosine-schedule.js';
export type { FlowMatchingScheduleOptions } from './flow-matching-schedule.js';
export {
  FLOW_MATCHING_SCHEDULE_DEFAULTS,
  createFlowMatchingSchedule,
  flowMatchingScheduleFactory,
  resolveFlowMatchingOptions,
} from './flow-matching-schedule.js';
export {
  sigmaToLogSnr,
  logSnrToSigma,
  sigmaToAlphaBar,
  alphaBarToSigma,
  vpScale,
  flowTToSigma,
  sigmaToFlowT,
  flowScale,
} from './noise-conversions.js';
export { timeShift, inverseTimeShift, shiftSigma, shiftLogSnr } from './time-shift.js';
export { logSnrAtLevel, sigmaBetweenLevels, sigmasAtLevel, resolutionShift } from './resolution-shift.js';
export { SCHEDULE_FACTORIES, registerSchedules } from './register-schedules.js';
