/**
 * Bounded concurrency across the several BullMQ Workers of one process (one per level queue):
 * at most `size` jobs run at a time. When every slot is taken the Workers are paused, so they
 * stop fetching jobs that another process could run now; they resume when a slot frees.
 */

/** Something that can stop and restart fetching (a BullMQ Worker). */
export interface Pausable {
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): void | Promise<void>;
}

/** See the module comment. */
export class SlotGate {
  private used = 0;
  private readonly waiters: (() => void)[] = [];
  private members: readonly Pausable[] = [];
  private paused = false;
  private held = false;

  constructor(readonly size: number) {}

  /** The Workers to pause and resume. */
  attach(members: readonly Pausable[]): void {
    this.members = members;
  }

  get active(): number {
    return this.used;
  }

  /** Keeps the Workers paused whatever the slots (drain). */
  async hold(): Promise<void> {
    this.held = true;
    await this.setPaused(true);
  }

  /** Waits for a free slot and takes it. */
  async acquire(): Promise<void> {
    if (this.used >= this.size) {
      // release() hands its slot straight to the first waiter: the gate stays full (and paused).
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      return;
    }
    this.used++;
    if (this.used >= this.size) await this.setPaused(true);
  }

  /** Frees a slot (or hands it to a waiting acquire). */
  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) {
      next();
      return;
    }
    this.used--;
    if (!this.held) void this.setPaused(false);
  }

  private async setPaused(paused: boolean): Promise<void> {
    if (this.paused === paused) return;
    this.paused = paused;
    await Promise.all(this.members.map(async (m) => (paused ? m.pause(true) : m.resume())));
  }
}
