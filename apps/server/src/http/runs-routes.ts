/** `POST /v1/runs`, `GET /v1/runs/:id`, `DELETE /v1/runs/:id`, `GET /v1/runs/:id/image.png`. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { encodePng } from '../runs/png-image.js';
import type { RunLimits } from '../runs/run-limits.js';
import { runRequestSchema } from '../runs/run-request.js';
import type { RunService } from '../runs/run-service.js';
import { ConfigError } from '@upshift/core';
import { ErrorResponseSchema } from './error-response.js';
import { CreatedRunsSchema, ImageQuerySchema, RunParamsSchema, RunRecordSchema } from './runs-schemas.js';

/** Options of {@link runsRoutes}. */
export interface RunsRoutesOptions {
  readonly service: RunService;
  readonly limits: RunLimits;
}

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 404: ErrorResponseSchema, 410: ErrorResponseSchema, 409: ErrorResponseSchema, 429: ErrorResponseSchema, 503: ErrorResponseSchema };

/** See the module comment. */
export const runsRoutes: FastifyPluginAsync<RunsRoutesOptions> = async (fastify, { service, limits }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/runs',
    {
      schema: {
        summary: 'Queue runs of a pipeline config',
        description: 'Validates the config completely (nothing is queued if anything is wrong) and queues `count` runs (seeds seed .. seed + count - 1).',
        tags: ['runs'],
        body: runRequestSchema(limits),
        response: { 202: CreatedRunsSchema, ...errors },
      },
    },
    async (request, reply) => {
      const runs = await service.submit(request.body, request.apiKey);
      return reply.code(202).send({ ids: runs.map((r) => r.id), runs: runs as never[] });
    },
  );

  app.get(
    '/v1/runs/:id',
    { schema: { summary: 'A run: state, plan, progress, stats, budget', tags: ['runs'], params: RunParamsSchema, response: { 200: RunRecordSchema, ...errors } } },
    async (request) => (await service.get(request.params.id)) as never,
  );

  app.delete(
    '/v1/runs/:id',
    {
      schema: {
        summary: 'Cancel a run (its worker stops before the next model call and frees its tensors)',
        tags: ['runs'],
        params: RunParamsSchema,
        response: { 200: RunRecordSchema, ...errors },
      },
    },
    async (request) => (await service.cancel(request.params.id)) as never,
  );

  app.get(
    '/v1/runs/:id/checkpoint',
    {
      schema: {
        summary: 'The run\'s latest checkpoint (binary; resume it with POST /v1/runs { checkpoint: base64 })',
        tags: ['runs'],
        params: RunParamsSchema,
        response: { 200: z.any().describe('application/octet-stream'), ...errors },
      },
    },
    async (request, reply) => reply.type('application/octet-stream').send(Buffer.from(await service.checkpoint(request.params.id))),
  );

  app.get(
    '/v1/runs/:id/image.png',
    {
      schema: {
        summary: 'The final image as PNG (all batch items side by side, or ?item=k)',
        tags: ['runs'],
        params: RunParamsSchema,
        querystring: ImageQuerySchema,
        response: { 200: z.any().describe('image/png'), ...errors },
      },
    },
    async (request, reply) => {
      const image = await service.image(request.params.id);
      const item = request.query.item;
      if (item !== undefined && item >= image.shape[0]) throw new ConfigError('item', item, `must be < ${image.shape[0]} (the run's batch)`);
      return reply
        .type('image/png')
        .header('cache-control', 'private, max-age=3600')
        .send(encodePng(image, item ?? 'all'));
    },
  );
};

