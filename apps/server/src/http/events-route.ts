/**
 * `GET /v1/runs/:id/events`: the run's events as Server-Sent Events, in order, from the first
 * (or from `?from=n`, or after the `Last-Event-ID` a reconnecting client sends), then live until
 * the final event (`done`, `failed`, `cancelled`), then the stream ends. Each message has
 * `id: <seq>`, `event: <type>` and the JSON event as `data`. A comment line every 15 s keeps
 * proxies from closing an idle stream. Live events come from the store's publish; the history
 * is re-read every few seconds too, so a message missed while Redis reconnected is still sent,
 * in order.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FINAL_EVENT_TYPES } from '../runs/run-record.js';
import type { SequencedEvent } from '../runs/run-record.js';
import type { RunService } from '../runs/run-service.js';
import { ErrorResponseSchema } from './error-response.js';
import { EventsQuerySchema, RunParamsSchema } from './runs-schemas.js';

/** Milliseconds between keep-alive comments. */
const KEEP_ALIVE_MS = 15_000;
/** Milliseconds between catch-up reads of the history. */
const CATCH_UP_MS = 2000;

/** One SSE message. */
export function sseMessage({ seq, event }: SequencedEvent): string {
  return `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** See the module comment. */
export const eventsRoute: FastifyPluginAsync<{ service: RunService }> = async (fastify, { service }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/v1/runs/:id/events',
    {
      schema: {
        summary: 'The run\'s step stream as Server-Sent Events (queued, start, resolution-change, step, checkpoint, done | failed | cancelled)',
        tags: ['runs'],
        params: RunParamsSchema,
        querystring: EventsQuerySchema,
        response: { 200: z.any().describe('text/event-stream'), 400: ErrorResponseSchema, 401: ErrorResponseSchema, 404: ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await service.get(id); // 404 before the stream starts
      const lastId = Number(request.headers['last-event-id']);
      let next = request.query.from ?? (Number.isInteger(lastId) && lastId >= 0 ? lastId + 1 : 0);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': upshift run events\n\n');

      let ended = false;
      let buffered: SequencedEvent[] | undefined = [];
      let unwatch: (() => void) | undefined;
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      let reading = false;
      const catchUp = setInterval(() => {
        if (reading || buffered !== undefined) return;
        reading = true;
        service
          .events(id, next)
          .then((history) => history.forEach((e) => emit(e)))
          .catch(() => undefined)
          .finally(() => (reading = false));
      }, CATCH_UP_MS);
      const end = (): void => {
        if (ended) return;
        ended = true;
        clearInterval(keepAlive);
        clearInterval(catchUp);
        unwatch?.();
        res.end();
      };
      const emit = (e: SequencedEvent): void => {
        if (ended || e.seq < next) return;
        // A gap means a published message was missed: the catch-up read sends it, in order. (A
        // run lost with its Redis ends with an out-of-band event numbered MAX_SAFE_INTEGER.)
        if (e.seq > next && e.seq !== Number.MAX_SAFE_INTEGER) return;
        next = e.seq + 1;
        res.write(sseMessage(e));
        if (FINAL_EVENT_TYPES.has(e.event.type)) end();
      };
      request.raw.on('close', end);
      // Watch first, then read the history: nothing falls between the two.
      unwatch = await service.watch(id, (e) => (buffered ? buffered.push(e) : emit(e)));
      if (ended) return unwatch();
      const history = await service.events(id, next);
      for (const e of history) emit(e);
      const live = buffered;
      buffered = undefined;
      for (const e of live.sort((a, b) => a.seq - b.seq)) emit(e);
      // A run can end between the history read and the subscription; re-read once to be sure.
      if (!ended) for (const e of await service.events(id, next)) emit(e);
    },
  );
};
