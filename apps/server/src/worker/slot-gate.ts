/**
 * Bounded concurrency across the several BullMQ Workers of one process (one per level queue):
 * at most `size` jobs run at a time. When every slot is taken the Workers are paused, so they
 * stop fetching jobs that another process could run now; they resume when a slot frees. Workers
 * of several queues resuming at once may each fetch a job for one free slot: the ones that find
 * the gate full ({@link SlotGate.tryAcquire}) go back to their queues rather than wait here.
 */

/** Something that can stop and restart fetching (a BullMQ Worker). */
export interface Pausable {
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): void | Promise<void>;
}

/** See the module comment. */
export class SlotGate {
  private used = 0;
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

  /**
   * Takes a free slot, or answers false at once when every slot is taken (the worker then hands
   * the job it fetched back to its queue, for any free worker, instead of holding it).
   */
  async tryAcquire(): Promise<boolean> {
    if (this.used >= this.size) return false;
    this.used++;
    if (this.used >= this.size) await this.setPaused(true);
    return true;
  }

  /** Frees a slot. */
  release(): void {
    this.used--;
    if (!this.held) void this.setPaused(false);
  }

  private async setPaused(paused: boolean): Promise<void> {
    if (this.paused === paused) return;
    this.paused = paused;
    await Promise.all(this.members.map(async (m) => (paused ? m.pause(true) : m.resume())));
  }
}
