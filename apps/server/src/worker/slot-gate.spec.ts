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
  it('pauses the Workers when every slot is taken, queues further acquires, and resumes when one frees', async () => {
    const gate = new SlotGate(2);
    const a = member();
    const b = member();
    gate.attach([a, b]);
    await gate.acquire();
    expect(a.calls).toEqual([]);
    await gate.acquire();
    expect(a.calls).toEqual(['pause(true)']);
    expect(b.calls).toEqual(['pause(true)']);
    let third = false;
    const waiting = gate.acquire().then(() => (third = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    expect(gate.active).toBe(2);
    gate.release(); // the waiting acquire takes the slot: still full, never resumed in between
    await waiting;
    expect(gate.active).toBe(2);
    expect(a.calls).toEqual(['pause(true)']);
    gate.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.calls.at(-1)).toBe('resume');
    expect(gate.active).toBe(1);
  });

  it('stays paused while held (drain), whatever the slots', async () => {
    const gate = new SlotGate(1);
    const a = member();
    gate.attach([a]);
    await gate.acquire();
    await gate.hold();
    gate.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.calls).toEqual(['pause(true)']);
  });
});
