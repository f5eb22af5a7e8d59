/**
 * Test fixtures of the multi-machine mode (not exported from the barrel): a real
 * `redis-server` on a free loopback port (with an append-only file, so a restart keeps the
 * data), and `upshift worker` child processes started through the real CLI entry point.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Children of this test process, killed when it exits however it exits (a crashed fork must not leave them running). */
const children = new Set<ChildProcess>();
/** Data directories of the Redis fixtures, removed at exit too. */
const dirs = new Set<string>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Path of Debian's redis-server. */
export const REDIS_SERVER = process.env['REDIS_SERVER'] ?? '/usr/bin/redis-server';

/** Why the Redis tests cannot run here (no executable redis-server), or undefined when they can. */
export function redisSkipReason(): string | undefined {
  try {
    if (statSync(REDIS_SERVER).isFile()) {
      accessSync(REDIS_SERVER, constants.X_OK);
      return undefined;
    }
  } catch {
    // missing or not executable
  }
  return `${REDIS_SERVER} not found (apt-get install redis-server): skipping the multi-machine tests`;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolvePort(port));
    });
  });
}

function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs: number, what: string, log: () => string): Promise<void> {
  return new Promise((resolveLine, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no ${pattern} within ${timeoutMs} ms\n${log()}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        child[stream]!.off('data', onData);
        resolveLine();
      }
    };
    child[stream]!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}\n${log()}`));
    });
  });
}

/** A redis-server of a test. */
export class RedisFixture {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'upshift-redis-'));
  private output = '';

  private constructor(readonly port: number) {
    dirs.add(this.dir);
  }

  /** Starts redis-server on a free port. */
  static async start(): Promise<RedisFixture> {
    const fixture = new RedisFixture(await freePort());
    await fixture.up();
    return fixture;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Process id of the running redis-server (undefined while it is down). */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** (Re)starts the server on the same port and data directory. */
  async up(): Promise<void> {
    const child = track(spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    this.child = child;
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    await waitForLine(child, 'stdout', /Ready to accept connections/, 10_000, 'redis-server', () => this.output);
  }

  /** Stops the server (SIGTERM: it writes its data and exits). */
  async down(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    this.child = undefined;
    await new Promise<void>((resolveExit) => {
      child.once('exit', () => resolveExit());
      child.kill('SIGTERM');
    });
  }

  /** Restarts the server with its data deleted (a Redis without persistence restarting). */
  async wipe(): Promise<void> {
    await this.down();
    for (const f of readdirSync(this.dir)) rmSync(join(this.dir, f), { recursive: true, force: true });
    await this.up();
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }
}

const root = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));

/** An `upshift worker` child process. */
export class WorkerProcess {
  output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  }

  /** Starts `upshift worker --redis <url> --name <name> ...args` and waits until it is ready. */
  static async start(redisUrl: string, name: string, args: readonly string[]): Promise<WorkerProcess> {
    const child = track(
      spawn(process.execPath, ['--import', '@oxc-node/core/register', 'apps/cli/src/main.ts', 'worker', '--redis', redisUrl, '--name', name, ...args], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
      }),
    );
    const worker = new WorkerProcess(name, child);
    await waitForLine(child, 'stdout', /ready/, 60_000, `worker ${name}`, () => worker.output);
    return worker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a signal; SIGKILL is `kill -9`. */
  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }

  /** Kills it if still running and waits for the exit. */
  async stop(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }
}
