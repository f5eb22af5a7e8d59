/**
 * Tests that need something outside Node (a GPU adapter, Chromium, Redis) skip with a printed
 * reason where it is missing, so `npm test` passes on a fresh machine with only Node and npm.
 * A provisioned run (CI) lists what it installed in `UPSHIFT_TEST_REQUIRE`
 * (comma-separated, e.g. `webgpu,chromium,redis`): there a missing requirement fails the test
 * file instead of silently skipping it.
 */

/** Environment variable naming the requirements that must be present in this test run. */
export const TEST_REQUIRE_ENV = 'UPSHIFT_TEST_REQUIRE';

/** The requirements this run insists on (from `UPSHIFT_TEST_REQUIRE`). */
export function requiredHere(env: Readonly<Record<string, string | undefined>> = process.env): ReadonlySet<string> {
  return new Set(
    (env[TEST_REQUIRE_ENV] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** Thrown when a requirement listed in `UPSHIFT_TEST_REQUIRE` is missing. */
export class MissingTestRequirementError extends Error {
  constructor(
    readonly requirement: string,
    readonly reason: string,
  ) {
    super(`${TEST_REQUIRE_ENV} lists "${requirement}", but it is missing here: ${reason}`);
    this.name = 'MissingTestRequirementError';
  }
}

/**
 * Decides whether tests needing `requirement` skip. `missing` is why it cannot be used here
 * (undefined when it can). Returns the skip reason (printed once with `log`) or `false` to
 * run; throws {@link MissingTestRequirementError} when this run requires it.
 */
export function skipUnless(
  requirement: string,
  missing: string | undefined,
  options: { readonly env?: Readonly<Record<string, string | undefined>>; readonly log?: (line: string) => void } = {},
): string | false {
  if (missing === undefined) return false;
  if (requiredHere(options.env).has(requirement)) throw new MissingTestRequirementError(requirement, missing);
  (options.log ?? console.warn)(`skipping the tests that need ${requirement}: ${missing}`);
  return missing;
}
