/**
 * What an earlier `generate` left in the same output folder under the same name prefix, read
 * from its JSON sidecar: a new run replaces exactly those files (a smaller batch must not
 * leave older images beside the new ones) and nothing the sidecar does not list.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { z } from 'zod';

/** The part of a sidecar that says which files a run wrote. */
const SidecarFilesSchema = z.object({
  command: z.literal('generate'),
  images: z.array(z.object({ file: z.string() })),
  grid: z.string().optional(),
});

/** Files of an earlier run, as its sidecar lists them. */
export interface PreviousRun {
  /** The sidecar that listed them. */
  readonly sidecar: string;
  /** Absolute paths of the images and grid it lists that still exist. */
  readonly files: readonly string[];
}

/** Whether `file` is one `generate` names with `prefix` (`<prefix>-NN.png`, `<prefix>-grid.png`). */
function isGenerateFile(file: string, prefix: string): boolean {
  const b = basename(file);
  return b.startsWith(`${prefix}-`) && /^(\d+|grid)\.png$/.test(b.slice(prefix.length + 1));
}

/**
 * Reads `<out>/<prefix>.json`. Undefined when there is none, or it is not a `generate` sidecar
 * (then nothing is replaced). Only files inside `out` named like this command's are listed.
 */
export async function readPreviousRun(out: string, prefix: string): Promise<PreviousRun | undefined> {
  const dir = resolve(out);
  const sidecar = join(dir, `${prefix}.json`);
  let parsed: z.infer<typeof SidecarFilesSchema>;
  try {
    const result = SidecarFilesSchema.safeParse(JSON.parse(await readFile(sidecar, 'utf8')));
    if (!result.success) return undefined;
    parsed = result.data;
  } catch {
    return undefined;
  }
  const listed = [...parsed.images.map((i) => i.file), ...(parsed.grid === undefined ? [] : [parsed.grid])];
  const present = new Set(await readdir(dir).catch(() => [] as string[]));
  const files = listed
    .map((f) => resolve(dir, f))
    .filter((f) => f.startsWith(dir + sep) && isGenerateFile(f, prefix) && present.has(basename(f)));
  return { sidecar, files: [...new Set(files)] };
}

/**
 * Files in `out` named like this command's output for `prefix` that neither the new run
 * writes nor `previous` lists: left alone, and reported.
 */
export async function unlistedLookalikes(out: string, prefix: string, written: readonly string[], previous: PreviousRun | undefined): Promise<string[]> {
  const dir = resolve(out);
  const known = new Set([...written.map((f) => resolve(f)), ...(previous?.files ?? [])]);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => isGenerateFile(n, prefix))
    .map((n) => join(dir, n))
    .filter((f) => !known.has(f))
    .sort();
}
