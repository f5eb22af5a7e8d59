/**
 * Sizes of the examples: what a user would run by default, or a few steps and one image when
 * `UPSHIFT_EXAMPLE_QUICK=1` (how CI runs every example, so they never rot).
 */
export const QUICK = process.env['UPSHIFT_EXAMPLE_QUICK'] === '1';

/** Steps of a run: the model's recommended 20, or 3 in quick mode. */
export const STEPS = QUICK ? 3 : 20;
