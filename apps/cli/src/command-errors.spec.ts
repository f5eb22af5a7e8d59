/** commander's own usage errors: one line naming what was typed (and what was probably meant), exit 2. */
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';
import { oneLineCommanderError, strayArgumentsMessage } from './command-errors.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = memorySink();
  const stderr = memorySink();
  const code = await runCli(args, { io: { stdout, stderr } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe("commander's usage errors", () => {
  it.each([
    [['generate', '--stpes', '3'], "error: unknown option '--stpes' (did you mean --steps?)"],
    [['serve', '--prot', '80'], "error: unknown option '--prot' (did you mean --port?)"],
    [['generat'], "error: unknown command 'generat' (did you mean generate?)"],
    [['generate', 'extra'], "error: unexpected argument 'extra' for 'generate' (it takes options only; see upshift generate --help)"],
    [['compare', '--images', '2', 'a', 'b'], "error: unexpected arguments 'a', 'b' for 'compare' (it takes options only; see upshift compare --help)"],
    [['api-key', 'qa', 'more'], "error: unexpected argument 'more' for 'api-key' (it takes 1 argument; see upshift api-key --help)"],
  ])('%j: exit 2 with one line: %s', async (args, line) => {
    const r = await cli(args);
    expect(r.code).toBe(EXIT_CODES.badInput);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.stdout).toBe('');
  });

  it('an argument a command takes is still taken', async () => {
    const r = await cli(['api-key', 'qa']);
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.stdout).toContain('qa:sha256:');
  });

  it('joins a suggestion of several names; leaves other messages alone', () => {
    expect(oneLineCommanderError("error: unknown option '--s'\n(Did you mean one of --steps, --seed?)\n")).toBe("error: unknown option '--s' (did you mean one of --steps, --seed?)\n");
    expect(oneLineCommanderError("error: missing required argument 'name'\n")).toBe("error: missing required argument 'name'\n");
    const program = new Command('upshift');
    const sub = program.command('worker');
    expect(strayArgumentsMessage(sub, ['x'], 0)).toBe("error: unexpected argument 'x' for 'worker' (it takes options only; see upshift worker --help)");
  });
});
