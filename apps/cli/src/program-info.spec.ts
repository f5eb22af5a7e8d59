/** `--version` and the class names in `--help`. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = memorySink();
  const stderr = memorySink();
  const code = await runCli(args, { io: { stdout, stderr } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('--version', () => {
  it.each([['--version'], ['-V']])('%s prints the version from package.json with the Node and tfjs versions, exit 0', async (flag) => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await cli([flag]);
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.stdout).toBe(`upshift ${version} (node ${process.version}, tfjs 4.22.0)\n`);
  });
});

describe('--help', () => {
  it.each([['generate'], ['compare']])('%s --help lists the shipped model\'s classes with their indices', async (command) => {
    const config = JSON.parse(await readFile(new URL('../../../packages/models/assets/emoji-unet/config.json', import.meta.url), 'utf8')) as { classes: string[] };
    const r = await cli([command, '--help']);
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.stdout).toContain('Classes of the shipped model "emoji-unet"');
    config.classes.forEach((name, i) => expect(r.stdout).toContain(`${String(i).padStart(4)}  ${name}\n`));
    expect(config.classes).toContain('Flags');
  });
});
