/**
 * @upshift/server — Upshift as a service: a Fastify HTTP API over an in-process queue (the
 * default) or BullMQ on Redis with `upshift worker` processes that checkpoint, resume and move
 * runs between them.
 */
export type { ServeOptions, RunningServer } from './serve.js';
export { startServer, DEFAULT_SERVE_OPTIONS } from './serve.js';
export type { WorkerOptions, RunningWorker } from './worker/run-worker.js';
export { startWorker, DEFAULT_WORKER_OPTIONS } from './worker/run-worker.js';
export type { LevelRange } from './queue/level-queues.js';
export { parseLevelRange, ALL_LEVELS, MAX_ROUTED_LEVEL, levelQueueName } from './queue/level-queues.js';
export type { RunLimits } from './runs/run-limits.js';
export { DEFAULT_RUN_LIMITS } from './runs/run-limits.js';
export type { RunRecord, RunState, RunEvent, SequencedEvent, BudgetDecision, BudgetPrediction, RunError, StoredImage } from './runs/run-record.js';
export { FINAL_STATES, FINAL_EVENT_TYPES } from './runs/run-record.js';
export type { LoadAwareBudgetOptions } from './runs/load-aware-budget.js';
export { LoadAwareBudget, LOAD_AWARE_BUDGET_DEFAULTS, budgetAtStart } from './runs/load-aware-budget.js';
export type { BudgetCandidate, BudgetChoice, BudgetInput, LevelFlops, QueueLoad, StepRates } from './runs/latency-model.js';
export { chooseBudget, msPerGflopAt, predictStartMs, workMs } from './runs/latency-model.js';
export type { CandidateSet, PlannedCandidate } from './runs/budget-candidates.js';
export { BudgetCandidates } from './runs/budget-candidates.js';
export { StepRateMeter } from './runs/step-rates.js';
export type { ApiKeyEntry } from './http/api-keys.js';
export { API_KEYS_ENV, createApiKey, hashApiKey, loadApiKeys, parseApiKeys, ApiKeyRing } from './http/api-keys.js';
export type { RateLimitOptions } from './http/build-app.js';
export { encodePng } from './runs/png-image.js';
export { imageSha256 } from './runs/run-executor.js';
