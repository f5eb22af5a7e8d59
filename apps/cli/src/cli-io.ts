/**
 * Where the CLI writes: stdout for results (tables, summaries), stderr for progress and
 * errors. Tests pass string sinks; `main.ts` passes the process streams.
 */

/** A writable text stream (process.stdout / stderr or a test sink). */
export interface TextSink {
  write(text: string): unknown;
  /** True for an interactive terminal (progress bars render only there). */
  readonly isTTY?: boolean;
}

/** The CLI's two output streams. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** An in-memory sink that keeps what was written (for tests and quiet runs). */
export function memorySink(): TextSink & { readonly text: () => string } {
  const parts: string[] = [];
  return {
    write(t: string): boolean {
      parts.push(t);
      return true;
    },
    isTTY: false,
    text: () => parts.join(''),
  };
}
