/** The zod schemas of the run routes (params, queries, responses); the request body is in runs/run-request.ts. */
import { z } from 'zod';

/** `:id` of the run routes. */
export const RunParamsSchema = z.strictObject({
  id: z.uuid('id must be a run id (a UUID)').describe('run id'),
});

/** A run record (see RunRecord); documented loosely, returned as stored. */
export const RunRecordSchema = z
  .looseObject({
    id: z.string(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    config: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .describe('the run: state, config, budget, plan, progress, stats, error, workers, checkpoint');

/** The answer of `POST /v1/runs`. */
export const CreatedRunsSchema = z.object({
  ids: z.array(z.string()),
  runs: z.array(RunRecordSchema),
});

/** Query of the events stream. */
export const EventsQuerySchema = z.strictObject({
  from: z.coerce.number('from must be a number').int('from must be an integer').min(0, 'from must be >= 0').optional().describe('first event (sequence number); default 0, or Last-Event-ID + 1'),
});

/** Query of the image route. */
export const ImageQuerySchema = z.strictObject({
  item: z.coerce.number('item must be a number').int('item must be an integer').min(0, 'item must be >= 0').optional().describe('one batch item (default: all items side by side)'),
});
