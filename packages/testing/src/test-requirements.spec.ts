import { describe, expect, it, vi } from 'vitest';
import { MissingTestRequirementError, requiredHere, skipUnless } from './test-requirements.js';

describe('test requirements', () => {
  it('parses UPSHIFT_TEST_REQUIRE', () => {
    expect([...requiredHere({ UPSHIFT_TEST_REQUIRE: ' webgpu, chromium,,redis ' })]).toEqual(['webgpu', 'chromium', 'redis']);
    expect(requiredHere({}).size).toBe(0);
  });

  it('runs what is present, skips what is missing with a printed reason', () => {
    const log = vi.fn();
    expect(skipUnless('webgpu', undefined, { env: {}, log })).toBe(false);
    expect(log).not.toHaveBeenCalled();
    expect(skipUnless('webgpu', 'no adapter', { env: { UPSHIFT_TEST_REQUIRE: 'chromium' }, log })).toBe('no adapter');
    expect(log).toHaveBeenCalledWith('skipping the tests that need webgpu: no adapter');
  });

  it('fails, naming the requirement and the reason, where the run requires it', () => {
    const call = () => skipUnless('chromium', '/usr/bin/chromium is not installed', { env: { UPSHIFT_TEST_REQUIRE: 'webgpu,chromium' }, log: () => {} });
    expect(call).toThrow(MissingTestRequirementError);
    expect(call).toThrow('UPSHIFT_TEST_REQUIRE lists "chromium", but it is missing here: /usr/bin/chromium is not installed');
  });
});
