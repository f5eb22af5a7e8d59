/** `/healthz`: liveness and whether the queue is reachable (503 while Redis is down); no API key needed. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RunQueue } from '../runs/run-queue.js';

const HealthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  mode: z.enum(['embedded', 'redis']),
  queue: z.object({ waiting: z.number(), active: z.number(), slots: z.number() }).optional(),
  workersByLevel: z.array(z.number()).optional().describe('redis mode: worker processes taking each level (index = level); 0 means runs routed to that level wait'),
});

/** See the module comment. */
export const healthRoute: FastifyPluginAsync<{ queue: RunQueue }> = async (fastify, { queue }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/healthz',
    { config: { public: true, rateLimit: false }, schema: { summary: 'Liveness and queue reachability', tags: ['ops'], response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_request, reply) => {
      const ready = await queue.ready();
      if (!ready) return reply.code(503).send({ status: 'unavailable', mode: queue.mode });
      const [depth, slots, byLevel] = await Promise.all([queue.depth(), queue.slots(), queue.workersByLevel?.()]);
      return { status: 'ok' as const, mode: queue.mode, queue: { ...depth, slots }, ...(byLevel ? { workersByLevel: byLevel } : {}) };
    },
  );
};
