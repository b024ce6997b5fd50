/**
 * The one way tests and the benchmark run another program: `sidekey serve`, a fixture upstream, nginx, Caddy,
 * redis-server. A child is spawned as the leader of its own process group, is ready when a line of its output
 * matches or when its ports accept connections (within a deadline), keeps its output for the failure message,
 * and is ended with its whole group: the stop signal, then SIGKILL if it is still there after a grace period.
 *
 * Only processes started here are ever signalled. Those still running when a test file ends are stopped by
 * test/support/setup.ts (so a failed test or hook leaks none), and those still running when this process exits
 * are killed by the exit handler below. No test framework here: the benchmark uses it too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Readiness =
  /** A line of stdout or stderr matches; the match is kept as `ready` (its groups often carry the URL). */
  | { log: RegExp }
  /** Every one of these loopback ports accepts a TCP connection. */
  | { ports: number[] };

export interface StartOptions {
  /** What failure messages call it: "nginx", "sidekey serve". */
  name: string;
  command: string;
  args?: string[];
  cwd?: string;
  /** The child's whole environment (process.env if not given); a key set to undefined is left out. */
  env?: NodeJS.ProcessEnv;
  ready: Readiness;
  /** How long it may take to become ready. */
  deadlineMs?: number;
  /** The signal `stop()` sends first (nginx finishes gracefully on SIGQUIT). */
  stopSignal?: NodeJS.Signals;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface OwnedProcess {
  name: string;
  pid: number;
  /** The readiness line's match, for `{ log }` readiness. */
  ready: RegExpExecArray | undefined;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  running(): boolean;
  /** Resolves once the process has ended, with how. */
  exited: Promise<Exit>;
  /** Sends a signal to its process group: SIGKILL for a crash, SIGSTOP / SIGCONT for a hang. */
  signal(signal: NodeJS.Signals): void;
  /** Ends its process group: the stop signal (or `signal`), SIGKILL after `graceMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const STOP_GRACE_MS = 5_000;
const OUTPUT_IN_ERRORS = 8_000;
const started = new Set<OwnedProcess>();

/** Starts a program and resolves once it is ready; if it exits first or misses the deadline, it is killed and the error carries its output. */
export async function startProcess(options: StartOptions): Promise<OwnedProcess> {
  const args = options.args ?? [];
  const child = spawn(options.command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const owned = own(child, options);
  const deadlineMs = options.deadlineMs ?? 30_000;
  try {
    const failed = owned.exited.then((exit) => {
      throw new Error(`${options.name} exited (${exit.signal ?? `code ${exit.code}`}) before it was ready`);
    });
    const ready = 'log' in options.ready ? matchLine(child, owned, options.ready.log) : listening(options.ready.ports, owned);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${options.name} was not ready within ${deadlineMs} ms`)), deadlineMs);
    });
    try {
      owned.ready = await Promise.race([ready, failed, late]);
    } finally {
      clearTimeout(timer);
    }
    failed.catch(() => {});
    return owned;
  } catch (error) {
    await owned.stop('SIGKILL');
    throw new Error(`${(error as Error).message}: ${options.command} ${args.join(' ')}\n${owned.output().slice(-OUTPUT_IN_ERRORS)}`);
  }
}

/** Stops every process started here that is still running (each test file's safety net). */
export async function stopStartedProcesses(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop()));
}

function own(child: ChildProcess, options: StartOptions): OwnedProcess {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let ended: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = { code, signal };
      started.delete(owned);
      resolve(ended);
    });
    // A program that cannot be spawned at all (not installed) never exits: report it as ended.
    child.once('error', (error) => {
      output += `${error.message}\n`;
      if (child.pid === undefined) {
        ended = { code: null, signal: null };
        started.delete(owned);
        resolve(ended);
      }
    });
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (ended || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const owned: OwnedProcess = {
    name: options.name,
    pid: child.pid ?? -1,
    ready: undefined,
    output: () => output,
    running: () => !ended,
    exited,
    signal: signalGroup,
    async stop(signal = options.stopSignal ?? 'SIGTERM', graceMs = STOP_GRACE_MS) {
      if (ended) return;
      signalGroup(signal);
      // A stopped (SIGSTOP) process acts on its signal only once it runs again.
      if (signal !== 'SIGKILL') signalGroup('SIGCONT');
      const force = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(force);
    },
  };
  if (child.pid !== undefined) {
    started.add(owned);
    killLeftoversOnExit();
  }
  return owned;
}

function matchLine(child: ChildProcess, owned: OwnedProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve) => {
    const check = () => {
      const match = pattern.exec(owned.output());
      if (!match) return;
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      resolve(match);
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
  });
}

/** Resolves once every port accepts a connection; never, if the process ends first (its exit is the answer). */
async function listening(ports: number[], owned: OwnedProcess): Promise<undefined> {
  for (const port of ports) {
    while (!(await accepts(port))) {
      if (!owned.running()) return new Promise(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return undefined;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let exitHandlerInstalled = false;

/** Children lead their own process groups, so they would outlive this process: kill what is left when it ends. */
function killLeftoversOnExit(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  const killAll = () => {
    for (const p of started) p.signal('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}
