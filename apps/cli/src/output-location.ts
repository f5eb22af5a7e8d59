/**
 * The output folder, checked before any work: it must be a folder (or creatable as one) that
 * takes new files. The check writes and removes a probe file, so an unwritable folder, a file
 * in the way or a pseudo file system such as /proc fails in milliseconds with a ConfigError
 * naming the option, instead of after a long run. Folders are created one level at a time:
 * Node's recursive mkdir never returns under /proc.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '@upshift/core';

/** The error code of a failed file system call, or its message. */
function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** The folders from `abs` up to (not including) its nearest existing ancestor, deepest first; and that ancestor. */
async function missingFolders(abs: string): Promise<{ missing: string[]; existing: string }> {
  const missing: string[] = [];
  let path = abs;
  for (;;) {
    try {
      await stat(path);
      return { missing, existing: path };
    } catch (error) {
      // ENOTDIR: a file is in the way further up; that ancestor is found next.
      if (codeOf(error) !== 'ENOENT' && codeOf(error) !== 'ENOTDIR') throw error;
      missing.push(path);
      const parent = dirname(path);
      if (parent === path) return { missing, existing: path };
      path = parent;
    }
  }
}

/**
 * Creates `dir` and any missing parents, one level at a time (never `recursive: true`, which
 * loops forever on /proc). Returns the folders it created, outermost first.
 */
export async function makeFolders(dir: string): Promise<string[]> {
  const abs = resolve(dir);
  const { missing, existing } = await missingFolders(abs);
  if (!(await stat(existing)).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, ${existing} (making ${abs})`), { code: 'ENOTDIR' });
  }
  const created: string[] = [];
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder);
      created.push(folder);
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error;
    }
  }
  return created;
}

/** Removes the folders `makeFolders` created if they are still empty (deepest first). */
export async function removeFolders(created: readonly string[]): Promise<void> {
  for (const folder of [...created].reverse()) await rmdir(folder).catch(() => undefined);
}

/**
 * Checks that `dir` can receive the command's files, before any work starts. A missing folder
 * is created for the probe and removed again; nothing else is left behind.
 *
 * @throws ConfigError naming `flag` and `dir`: a file in the way, a folder that cannot be
 *   created, or one that does not take new files (with the system's error code).
 */
export async function checkOutputFolder(flag: string, dir: string): Promise<void> {
  const abs = resolve(dir);
  let found: { missing: string[]; existing: string };
  try {
    found = await missingFolders(abs);
  } catch (error) {
    throw new ConfigError(flag, dir, `cannot be checked (${codeOf(error)})`);
  }
  const existing = await stat(found.existing);
  if (!existing.isDirectory()) {
    throw new ConfigError(flag, dir, found.existing === abs ? 'is a file, not a folder' : `cannot be a folder: ${found.existing} is a file`);
  }
  let created: string[] = [];
  try {
    try {
      created = await makeFolders(abs);
    } catch (error) {
      throw new ConfigError(flag, dir, `cannot create the folder (${codeOf(error)} in ${found.existing})`);
    }
    const probe = join(abs, `.upshift-write-check.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      await writeFile(probe, '', { flag: 'wx' });
    } catch (error) {
      throw new ConfigError(flag, dir, `is not writable (${codeOf(error)})`);
    }
    await unlink(probe).catch(() => undefined);
  } finally {
    await removeFolders(created);
  }
}
