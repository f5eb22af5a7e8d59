/**
 * The non-stage parts of `RunOptions` a JavaScript caller can get wrong (TypeScript catches them,
 * plain JavaScript does not): a denoiser without `denoise` or `channels`, hooks without `name`
 * and `afterStep`, a `log` that is not a function. Checked before anything starts, so the error
 * names the option (`Invalid options.hooks[0] = 1: ...`) instead of a TypeError deep in a step
 * or tfjs's "shape comprised of positive integers".
 */
import { z } from 'zod';
import { ConfigError } from '@upshift/core';

const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `${what} must be a function`);

const RunOptionsSchema = z.object({
  denoiser: z
    .object(
      {
        denoise: fn('denoise'),
        channels: z.number('channels must be a number').int('channels must be an integer').min(1, 'channels must be >= 1'),
        name: z.string('name must be a string'),
      },
      'denoiser must be a Denoiser ({ name, channels, denoise })',
    )
    .optional(),
  hooks: z
    .array(
      z.object({ name: z.string('a hook needs a name (a string)'), afterStep: fn('afterStep') }, 'a hook must be an object { name, afterStep(ctx) }'),
      'hooks must be an array of step hooks',
    )
    .optional(),
  log: fn('log').optional(),
});

/**
 * Checks `options.denoiser`, `options.hooks` and `options.log`.
 *
 * @throws ConfigError naming `options.<field>` and the value.
 */
export function checkRunOptions(options: { readonly denoiser?: unknown; readonly hooks?: unknown; readonly log?: unknown }): void {
  const input: Record<string, unknown> = {};
  for (const key of ['denoiser', 'hooks', 'log'] as const) if (options[key] !== undefined) input[key] = options[key];
  const parsed = RunOptionsSchema.safeParse(input);
  if (parsed.success) return;
  const issue = parsed.error.issues[0]!;
  let value: unknown = input;
  for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const field = ['options', ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
  const last = String(issue.path[issue.path.length - 1] ?? '');
  const reason = issue.message.startsWith(`${last} `) ? issue.message.slice(last.length + 1) : issue.message;
  throw new ConfigError(field, value, reason);
}
