/** Errors name the real cause: an option missing its value, a model folder that is not there. */
import { describe, expect, it } from 'vitest';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';
import { swallowedOption } from './option-guard.js';

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const stderr = memorySink();
  const code = await runCli(args, { io: { stdout: memorySink(), stderr } });
  return { code, stderr: stderr.text() };
}

describe('an option missing its value', () => {
  it.each([
    [['generate', '--steps', '--seed', '3'], '--steps <n>', '--seed'],
    [['generate', '--out', '--steps', '3'], '--out <dir>', '--steps'],
    [['compare', '--policies', '--images', '2'], '--policies <list>', '--images'],
  ])('%j: exit 2, naming the option and the option that followed it', async (args, option, next) => {
    const r = await cli(args);
    expect(r.code).toBe(EXIT_CODES.badInput);
    expect(r.stderr.trim().split('\n')).toEqual([`error: option '${option}' argument '${next}' is invalid. it needs a value, but the next word "${next}" is an option`]);
  });

  it('values that merely start with a dash are still values', () => {
    expect(swallowedOption('-1')).toBeUndefined();
    expect(swallowedOption('--')).toBeUndefined();
    expect(swallowedOption('{"fraction":0.4}')).toBeUndefined();
    expect(swallowedOption('--seed')).toMatch(/is an option/);
  });
});

describe('a model folder that is not there', () => {
  it('with --class 0: the error names the missing config.json, not --class (exit 1)', async () => {
    const r = await cli(['generate', '--model-options', '{"path":"/nonexistent/model"}', '--class', '0', '--out', '/tmp/upshift-never-written']);
    expect(r.code).toBe(EXIT_CODES.failure);
    expect(r.stderr.trim().split('\n')).toEqual([
      'upshift: ModelLoadError: Cannot load model file /nonexistent/model/config.json: file not found (the "path" of --model-options must be a model folder holding config.json)',
    ]);
  });
});

describe('a model name that is not registered', () => {
  it.each([['generate'], ['compare'], ['eval']])('%s --model nope (with --class 0): the error names model = "nope" and the registered models, not --class (exit 2)', async (command) => {
    const r = await cli([command, '--model', 'nope', ...(command === 'eval' ? [] : ['--class', '0']), '--out', '/tmp/upshift-never-written']);
    expect(r.code).toBe(EXIT_CODES.badInput);
    expect(r.stderr.trim().split('\n')).toEqual(['upshift: Invalid model = "nope": unknown name; registered: "emoji-unet"']);
  });
});
