/**
 * All-or-nothing output: every file of a command is first written to a hidden temporary file
 * beside its destination, and only when all of them are written are they renamed into place
 * (a rename within one directory is atomic on POSIX file systems). A failure, an abort or
 * Ctrl-C before the commit leaves no output file at all, and never a half-written one.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { makeFolders, removeFolders } from './output-location.js';

/** Outputs not yet committed or aborted, for a last-moment cleanup when the process is killed. */
export const PENDING_OUTPUTS: Set<AtomicOutput> = new Set();

/** Called with the number of pending outputs whenever it changes (see interrupts.ts). */
export const PENDING_OUTPUTS_LISTENERS: Set<(pending: number) => void> = new Set();

function setPending(output: AtomicOutput, pending: boolean): void {
  const before = PENDING_OUTPUTS.size;
  if (pending) PENDING_OUTPUTS.add(output);
  else PENDING_OUTPUTS.delete(output);
  if (PENDING_OUTPUTS.size !== before) for (const listener of PENDING_OUTPUTS_LISTENERS) listener(PENDING_OUTPUTS.size);
}

/** Collects files to write, then commits them all or none. */
export class AtomicOutput {
  private readonly pending: { readonly temp: string; readonly target: string }[] = [];
  private readonly createdDirs = new Set<string>();
  /** Folders this output made (outermost first), removed again on abort. */
  private readonly madeFolders: string[] = [];
  private done = false;

  /** Writes `data` to a temporary file next to `target` (creating its directory). */
  async write(target: string, data: string | Uint8Array): Promise<void> {
    if (this.done) throw new Error('AtomicOutput: already committed or aborted');
    const abs = resolve(target);
    const dir = dirname(abs);
    if (!this.createdDirs.has(dir)) {
      this.madeFolders.push(...(await makeFolders(dir)));
      this.createdDirs.add(dir);
    }
    const temp = join(dir, `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    this.pending.push({ temp, target: abs });
    setPending(this, true);
    await writeFile(temp, data);
  }

  /** Paths the commit will create, in order of `write`. */
  get targets(): string[] {
    return this.pending.map((p) => p.target);
  }

  /**
   * Renames every temporary file into place, then removes `replaces` (files of an earlier
   * run that this one supersedes; those it wrote again are kept). On a failed rename the
   * remaining temporaries are removed.
   */
  async commit(replaces: readonly string[] = []): Promise<string[]> {
    if (this.done) throw new Error('AtomicOutput: already committed or aborted');
    this.done = true;
    setPending(this, false);
    try {
      for (const p of this.pending) await rename(p.temp, p.target);
    } catch (e) {
      await this.removeTemps();
      throw e;
    }
    const written = new Set(this.targets);
    for (const old of replaces) if (!written.has(resolve(old))) await rm(resolve(old), { force: true });
    return this.targets;
  }

  /** Removes every temporary file and the folders it made; nothing is left behind. Safe to call more than once. */
  async abort(): Promise<void> {
    this.done = true;
    setPending(this, false);
    await this.removeTemps();
    await removeFolders(this.madeFolders.splice(0));
  }

  /** Synchronous best-effort cleanup for a process that is about to exit (signal handlers). */
  abortSync(removeSync: (path: string) => void): void {
    this.done = true;
    setPending(this, false);
    for (const p of this.pending) {
      try {
        removeSync(p.temp);
      } catch {
        // already renamed or never created
      }
    }
  }

  private async removeTemps(): Promise<void> {
    // A temporary that could not be made (its folder is a file, ...) has nothing to remove.
    await Promise.all(this.pending.map((p) => rm(p.temp, { force: true }).catch(() => undefined)));
  }
}
