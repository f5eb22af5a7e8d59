/** `/metrics`: Prometheus text format (prom-client), behind the API key when keys are configured. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerMetrics } from '../runs/server-metrics.js';

/** See the module comment. */
export const metricsRoute: FastifyPluginAsync<{ metrics: ServerMetrics }> = async (fastify, { metrics }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: { summary: 'Prometheus metrics', tags: ['ops'], response: { 200: z.string() } } },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
};
