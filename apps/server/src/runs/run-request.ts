/**
 * The body of `POST /v1/runs` and its validation. One validation style for every untrusted
 * input: zod. The route's schema is zod (fastify-type-provider-zod runs it and turns it into
 * the OpenAPI document); the pipeline config inside it is checked by the pipeline's own zod
 * schema (`parsePipelineConfig`), then against the server's limits, then by the pipeline's
 * preflight (`preflightRun`: every plugin name and option, the model's resolution, classes and
 * levels from its config.json, the plan, the memory) without loading a model, so a bad request
 * fails with 400 before anything is queued.
 */
import { z } from 'zod';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError, UnknownPluginError, describeValue } from '@upshift/core';
import { PipelineConfigSchema, parsePipelineConfig, preflightRun } from '@upshift/pipeline';
import type { PipelineConfig } from '@upshift/pipeline';
import type { RunLimits } from './run-limits.js';

/** Config fields a request may not set: the operator decides them (and model options could name files). */
export const SERVER_ONLY_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  backend: 'is chosen by the server or worker (--backend), not by a request',
  modelOptions: 'is set by the operator; requests cannot pass model options (or file paths)',
  workers: 'is chosen by the server or worker (--threads), not by a request',
});

/** The JSON schema of the config a request may send (the pipeline's, less the server-only fields, with the limits). */
function configJsonSchema(limits: RunLimits): Record<string, unknown> {
  const schema = z.toJSONSchema(PipelineConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown> & {
    properties: Record<string, Record<string, unknown>>;
  };
  delete schema['$schema'];
  delete schema['required'];
  for (const field of Object.keys(SERVER_ONLY_FIELDS)) delete schema.properties[field];
  schema.properties['steps'] = { ...schema.properties['steps'], maximum: limits.maxSteps };
  schema.properties['batch'] = { ...schema.properties['batch'], maximum: limits.maxBatch };
  schema.properties['model'] = { type: 'string', enum: [...limits.models] };
  schema['description'] = 'A pipeline config (see @upshift/pipeline PipelineConfig); absent fields take the defaults.';
  return schema;
}

/** The zod schema of the body of `POST /v1/runs` (the `config` is checked by {@link checkRunConfig}). */
export function runRequestSchema(limits: RunLimits) {
  return z.strictObject({
    config: z
      .record(z.string(), z.unknown(), 'config must be an object (a pipeline config)')
      .default({})
      .meta(configJsonSchema(limits)),
    count: z
      .number('count must be a number')
      .int('count must be an integer')
      .min(1, 'count must be >= 1')
      .max(limits.maxCount, `count must be <= ${limits.maxCount} on this server`)
      .default(1)
      .describe('runs to create; run i uses seed + i'),
    checkpoint: z
      .string('checkpoint must be a base64 string')
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'checkpoint must be base64 (the bytes of GET /v1/runs/:id/checkpoint)')
      .optional()
      .describe('resume this checkpoint (base64 of GET /v1/runs/:id/checkpoint): the run continues with the checkpoint\'s config; count must be 1'),
  });
}

/** The validated body of `POST /v1/runs`. */
export type RunRequest = z.output<ReturnType<typeof runRequestSchema>>;

/** A ConfigError of `error`, with its field moved under `prefix.`. */
export function underField(error: ConfigError, prefix: string): ConfigError {
  const head = `Invalid ${error.field} = ${describeValue(error.value)}: `;
  const reason = error.message.startsWith(head) ? error.message.slice(head.length) : error.message;
  const field = error.field === prefix || error.field.startsWith(`${prefix}.`) ? error.field : `${prefix}.${error.field}`;
  const moved = new ConfigError(field, error.value, reason);
  moved.name = error.name;
  return moved;
}

const underConfig = (error: ConfigError): ConfigError => underField(error, 'config');

/** Options of {@link checkRunConfig}. */
export interface CheckRunConfigOptions {
  /** Check that the run fits this backend's memory (embedded mode, a named backend), its batch split over `workers`. */
  readonly memory?: { readonly backend: string; readonly workers?: number };
}

/**
 * Checks a request's pipeline config completely (schema, limits, then everything the pipeline
 * can check before a backend or weights: plugin names and options, the model's resolution,
 * classes and levels, the plan, and with `options.memory` the memory) and returns it
 * validated, with the server's backend.
 *
 * @throws ConfigError (or UnknownPluginError) naming the field as `config.<field>` and its value.
 */
export async function checkRunConfig(container: DependencyContainer, input: Record<string, unknown>, limits: RunLimits, backend: string, options: CheckRunConfigOptions = {}): Promise<PipelineConfig> {
  for (const [field, reason] of Object.entries(SERVER_ONLY_FIELDS)) {
    if (field in input) throw new ConfigError(`config.${field}`, input[field], reason);
  }
  let config: PipelineConfig;
  try {
    config = parsePipelineConfig({ ...input, backend });
  } catch (error) {
    throw error instanceof ConfigError ? underConfig(error) : error;
  }
  if (config.steps > limits.maxSteps) throw new ConfigError('config.steps', config.steps, `must be <= ${limits.maxSteps} on this server`);
  if (config.batch > limits.maxBatch) throw new ConfigError('config.batch', config.batch, `must be <= ${limits.maxBatch} on this server`);
  for (const side of ['height', 'width'] as const) {
    const v = config.resolution?.[side];
    if (v !== undefined && v > limits.maxSide) throw new ConfigError(`config.resolution.${side}`, v, `must be <= ${limits.maxSide} on this server`);
  }
  if (!limits.models.includes(config.model)) throw new UnknownPluginError('config.model', config.model, limits.models);
  const child = container.createChildContainer();
  try {
    await preflightRun({ root: container, child, config, ...(options.memory ? { memory: options.memory } : {}) });
  } catch (error) {
    throw error instanceof ConfigError ? underConfig(error) : error;
  } finally {
    await child.dispose();
  }
  return config;
}
