/**
 * commander's own usage errors as one line that names what was typed: its "(Did you mean
 * --steps?)" suggestion, which it prints on a second line, joins the error line; and a stray
 * argument (`upshift generate extra`) is named, where commander only counts it ("too many
 * arguments ... got 1").
 */
import type { Command } from 'commander';

/** commander's error text with its suggestion line joined to the error line. */
export function oneLineCommanderError(text: string): string {
  return text.replace(/\n\(Did you mean (.+?)\?\)\s*$/, ` (did you mean $1?)\n`);
}

/** The error line for `stray` arguments given to `command` (which takes `expected` of them). */
export function strayArgumentsMessage(command: Command, stray: readonly string[], expected: number): string {
  const path: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) path.unshift(c.name());
  const takes = expected === 0 ? 'it takes options only' : `it takes ${expected} argument${expected === 1 ? '' : 's'}`;
  const list = stray.map((a) => `'${a}'`).join(', ');
  return `error: unexpected argument${stray.length === 1 ? '' : 's'} ${list} for '${command.name()}' (${takes}; see ${path.join(' ')} --help)`;
}

/**
 * Makes every subcommand of `program` refuse arguments it does not take with an error naming
 * them (exit through commander's error path: code `commander.excessArguments`).
 */
export function rejectStrayArguments(program: Command): void {
  const allow = (c: Command): void => {
    for (const sub of c.commands) {
      sub.allowExcessArguments(true);
      allow(sub);
    }
  };
  allow(program);
  program.hook('preAction', (_program, action) => {
    const expected = action.registeredArguments.length;
    if (action.registeredArguments.at(-1)?.variadic) return;
    if (action.args.length > expected) {
      action.error(strayArgumentsMessage(action, action.args.slice(expected), expected), { code: 'commander.excessArguments', exitCode: 2 });
    }
  });
}
