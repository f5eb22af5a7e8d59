/**
 * An option that takes a value must not swallow the next option: `--steps --seed 3` would
 * otherwise read "--seed" as the step count and then blame the stray "3" ("too many
 * arguments"). Every value option of a program gets a parser that rejects a value that is
 * itself an option, so the error names the option missing its value.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';

/** Why `value` cannot be the value of an option, or undefined when it can. */
export function swallowedOption(value: string): string | undefined {
  return /^--[A-Za-z]/.test(value) ? `it needs a value, but the next word "${value}" is an option` : undefined;
}

/** Installs the guard on every value option of `program` and its subcommands (keeps existing parsers). */
export function guardOptionValues(program: Command): void {
  for (const option of program.options) {
    if (!option.required && !option.optional) continue;
    const own = option.parseArg;
    option.argParser((value: string, previous: unknown) => {
      const problem = swallowedOption(value);
      if (problem !== undefined) throw new InvalidArgumentError(problem);
      return own ? own(value, previous) : value;
    });
  }
  for (const sub of program.commands) guardOptionValues(sub);
}
