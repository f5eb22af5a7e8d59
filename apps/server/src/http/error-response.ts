/**
 * One error body for every 4xx / 5xx answer: `{ statusCode, error, message, field?, value? }`,
 * where `message` reads like the rest of Upshift's errors (`Invalid config.steps = 0: must be
 * >= 1`) and `field` / `value` say what to fix. Route-schema (zod) issues, ConfigErrors of the
 * pipeline, missing runs, auth, limits and rate limits all end up here.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConfigError, describeValue } from '@upshift/core';
import { RunLostError, RunNotFoundError, RunStateError, UnavailableError } from '../runs/run-service.js';

/** The zod schema of an error body (for the OpenAPI document). */
export const ErrorResponseSchema = z.object({
  statusCode: z.number().int(),
  error: z.string().describe('error kind, e.g. ConfigError, UnknownPluginError, RunNotFoundError'),
  message: z.string(),
  field: z.string().optional().describe('the request field that was wrong, e.g. config.steps'),
  value: z.unknown().optional().describe('the value it had'),
});

/** An error body. */
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

/** Sends an error body. */
export function sendError(reply: FastifyReply, statusCode: number, body: Omit<ErrorResponse, 'statusCode'>): FastifyReply {
  return reply.code(statusCode).type('application/json').send({ statusCode, ...body });
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function schemaIssue(error: FastifyError & { validation: { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }[] }, request: FastifyRequest): ErrorResponse {
  const issue = error.validation[0]!;
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  const root = context === 'params' ? request.params : context === 'querystring' ? request.query : context === 'headers' ? request.headers : request.body;
  let path = issue.instancePath.split('/').filter((p) => p.length > 0);
  let reason = issue.message ?? 'is invalid';
  if (issue.keyword === 'unrecognized_keys') {
    path = [...path, String((issue.params['keys'] as string[] | undefined)?.[0])];
    reason = 'unknown field';
  }
  const field = path.length ? path.join('.') : context;
  const value = path.length ? valueAt(root, path) : root;
  if (value === undefined && issue.keyword === 'invalid_type') reason = 'is required';
  // Our schema messages start with the field's own name ("count must be >= 1"): keep the reason.
  const last = path[path.length - 1];
  if (last !== undefined && reason.startsWith(`${last} `)) reason = reason.slice(last.length + 1);
  return { statusCode: 400, error: 'ConfigError', field, value, message: `Invalid ${field} = ${describeValue(value)}: ${reason}` };
}

/** Largest declared body the server reads to the end to answer 413 (beyond it, the connection closes). */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/** Installs the error handler and the 404 handler. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, { error: 'NotFound', field: 'url', value: request.url, message: `Invalid url = ${JSON.stringify(request.url)}: no such route (${request.method})` }),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const { statusCode, ...body } = schemaIssue(error as never, request);
      return sendError(reply, statusCode, body);
    }
    if (error instanceof RunLostError) return sendError(reply, 410, { error: error.name, field: 'id', value: error.id, message: error.message });
    if (error instanceof RunNotFoundError) return sendError(reply, 404, { error: error.name, field: 'id', value: error.id, message: error.message });
    if (error instanceof RunStateError) return sendError(reply, 409, { error: error.name, field: 'state', value: error.state, message: error.message });
    if (error instanceof UnavailableError) return sendError(reply, 503, { error: error.name, message: error.message });
    if (error instanceof ConfigError) return sendError(reply, 400, { error: error.name, field: error.field, value: error.value, message: error.message });
    const code = error.code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const length = request.headers['content-length'];
      // fastify closes the connection after a body it refuses, so a client still sending that
      // body meets a reset (fetch: "fetch failed", EPIPE) instead of this answer. A declared
      // length up to DRAIN_LIMIT_BYTES is read and discarded instead (Node drains an unread
      // request once the response ends): the client gets its 413 whatever the timing.
      if (length !== undefined && Number(length) <= DRAIN_LIMIT_BYTES) reply.removeHeader('connection');
      return sendError(reply, 413, { error: 'BodyTooLarge', field: 'body', value: length === undefined ? undefined : Number(length), message: `Invalid body = ${length ?? '?'} bytes: larger than this server accepts (${app.initialConfig.bodyLimit} bytes)` });
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const type = request.headers['content-type'];
      return sendError(reply, 415, { error: 'UnsupportedMediaType', field: 'content-type', value: type, message: `Invalid content-type = ${describeValue(type)}: send application/json` });
    }
    if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
      return sendError(reply, 400, { error: 'InvalidJson', field: 'body', value: null, message: `Invalid body: ${error.message}` });
    }
    const status = error.statusCode ?? 500;
    if (status === 429) return reply.code(429).send(error);
    if (status >= 400 && status < 500) return sendError(reply, status, { error: error.name, message: error.message });
    request.log.error(error);
    return sendError(reply, 500, { error: 'InternalError', message: 'internal error (see the server log)' });
  });
}
