/** The slot gate: at most `size` jobs at a time across a process's Workers, which pause while it is full. */
import { describe, expect, it } from 'vitest';
import { SlotGate } from './slot-gate.js';

function member() {
  const calls: string[] = [];
  return {
    calls,
    async pause(doNotWaitActive?: boolean) {
      calls.push(`pause(${doNotWaitActive})`);
    },
    resume() {
      calls.push('resume');
    },
  };
}

describe('SlotGate', () => {
  it('pauses the Workers when every slot is taken, refuses further jobs at once, and resumes when one frees', async () => {
    const gate = new SlotGate(2);
    const a = member();
    const b = member();
    gate.attach([a, b]);
    expect(await gate.tryAcquire()).toBe(true);
    expect(a.calls).toEqual([]);
    expect(await gate.tryAcquire()).toBe(true);
    expect(a.calls).toEqual(['pause(true)']);
    expect(b.calls).toEqual(['pause(true)']);
    expect(await gate.tryAcquire()).toBe(false);
    expect(gate.active).toBe(2);
    gate.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.calls.at(-1)).toBe('resume');
    expect(gate.active).toBe(1);
  });

  it('tryAcquire takes a free slot (pausing when full) and refuses at once when none is free', async () => {
    const gate = new SlotGate(1);
    const a = member();
    gate.attach([a]);
    expect(await gate.tryAcquire()).toBe(true);
    expect(a.calls).toEqual(['pause(true)']);
    expect(await gate.tryAcquire()).toBe(false);
    expect(gate.active).toBe(1);
    gate.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.calls).toEqual(['pause(true)', 'resume']);
    expect(await gate.tryAcquire()).toBe(true);
  });

  it('stays paused while held (drain), whatever the slots', async () => {
    const gate = new SlotGate(1);
    const a = member();
    gate.attach([a]);
    await gate.tryAcquire();
    await gate.hold();
    gate.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.calls).toEqual(['pause(true)']);
  });
});
