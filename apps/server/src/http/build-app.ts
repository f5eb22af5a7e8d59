/**
 * The Fastify application: plugins (auth, rate limit, OpenAPI) and routes (runs, events, health,
 * metrics, the OpenAPI document),
 * each route with its zod schema beside it. zod is the one validator: fastify-type-provider-zod
 * validates params, queries and bodies with the routes' zod schemas and turns them into the
 * JSON schemas of the OpenAPI document, so validation, documentation and types share a source.
 * CORS is off: the server sends no CORS headers, so browsers on other origins cannot call it.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { RunLimits } from '../runs/run-limits.js';
import type { RunQueue } from '../runs/run-queue.js';
import type { RunService } from '../runs/run-service.js';
import type { ServerMetrics } from '../runs/server-metrics.js';
import type { ApiKeyRing } from './api-keys.js';
import { auth } from './auth-plugin.js';
import { installErrorHandler } from './error-response.js';
import { eventsRoute } from './events-route.js';
import { healthRoute } from './health-route.js';
import { metricsRoute } from './metrics-route.js';
import { openApiRoute } from './openapi-route.js';
import { runsRoutes } from './runs-routes.js';

/** Per-key (or per-IP without keys) request rate limit. */
export interface RateLimitOptions {
  /** Requests per window. */
  readonly max: number;
  readonly windowMs: number;
}

/** Inputs of {@link buildApp}. */
export interface BuildAppOptions {
  readonly service: RunService;
  readonly queue: RunQueue;
  readonly metrics: ServerMetrics;
  readonly limits: RunLimits;
  readonly keys: ApiKeyRing;
  readonly rateLimit: RateLimitOptions;
  /** Largest request body in bytes. */
  readonly bodyLimit: number;
  /** Fastify's pino logger on (default false). */
  readonly logger?: boolean;
}

/** Builds (but does not start) the app. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit, forceCloseConnections: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  // JSON only: a text/plain body is 415, not a string the schema then rejects.
  app.removeContentTypeParser('text/plain');

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Upshift', description: 'Resolution-adaptive diffusion sampling as a service.', version: '1.0.0' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: options.keys.enabled ? [{ apiKey: [] }] : [],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(auth, { keys: options.keys });
  await app.register(rateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    hook: 'preValidation',
    keyGenerator: (request) => (request.apiKey === null ? `ip:${request.ip}` : `key:${request.apiKey}`),
    errorResponseBuilder: (request, context) => ({
      statusCode: 429,
      error: 'RateLimited',
      field: request.apiKey === null ? 'ip' : 'authorization',
      value: request.apiKey ?? request.ip,
      message: `Too many requests from ${request.apiKey === null ? `ip ${request.ip}` : `API key "${request.apiKey}"`}: at most ${context.max} per ${context.after}; retry after ${context.after}`,
    }),
  });
  await app.register(runsRoutes, { service: options.service, limits: options.limits });
  await app.register(eventsRoute, { service: options.service });
  await app.register(healthRoute, { queue: options.queue });
  await app.register(metricsRoute, { metrics: options.metrics });
  await app.register(openApiRoute);
  await app.ready();
  return app;
}
