/**
 * Operations: `/healthz` (liveness and whether the queue is reachable: 503 while Redis is
 * down), `/metrics` (Prometheus text format, behind the API key when keys are configured) and
 * `/openapi.json` (the OpenAPI 3 document built from the routes' zod schemas).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RunQueue } from '../runs/run-queue.js';
import type { ServerMetrics } from '../runs/server-metrics.js';

/** Options of {@link opsRoutes}. */
export interface OpsRoutesOptions {
  readonly queue: RunQueue;
  readonly metrics: ServerMetrics;
}

const HealthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  mode: z.enum(['embedded', 'redis']),
  queue: z.object({ waiting: z.number(), active: z.number(), slots: z.number() }).optional(),
});

/** See the module comment. */
export const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (fastify, { queue, metrics }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/healthz',
    { config: { public: true, rateLimit: false }, schema: { summary: 'Liveness and queue reachability', tags: ['ops'], response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_request, reply) => {
      const ready = await queue.ready();
      if (!ready) return reply.code(503).send({ status: 'unavailable', mode: queue.mode });
      const [depth, slots] = await Promise.all([queue.depth(), queue.slots()]);
      return { status: 'ok' as const, mode: queue.mode, queue: { ...depth, slots } };
    },
  );
  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: { summary: 'Prometheus metrics', tags: ['ops'], response: { 200: z.string() } } },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
  app.get(
    '/openapi.json',
    { config: { public: true, rateLimit: false }, schema: { hide: true } },
    async () => fastify.swagger(),
  );
};
