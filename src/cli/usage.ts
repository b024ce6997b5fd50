/**
 * Usage mistakes said in one line, before anything runs. Commander checks required options before unknown
 * ones, so a mistyped `--acount` would be reported as "--account not specified"; this finds the mistyped
 * option first and names the one that was probably meant.
 */
import type { Command } from 'commander';
import { SidekeyError } from '../domain/errors.js';
import { redactUrl } from '../store/database.js';

/** A command used wrongly (exit 2), said in one line. */
export class UsageProblem extends Error {}

/** The command the words select (`admin create`), and the words after it. */
function leafCommand(program: Command, args: string[]): { command: Command; path: string[]; rest: string[] } {
  let command = program;
  const path: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const word = args[i]!;
    if (word.startsWith('-')) break;
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    command = sub;
    path.push(word);
  }
  return { command, path, rest: args.slice(i) };
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The one-line complaint about the first option the chosen command does not have, or undefined. */
export function unknownOptionProblem(program: Command, args: string[]): string | undefined {
  const { command, path, rest } = leafCommand(program, args);
  const options = command.options;
  const known = new Set(['--help', '-h', ...options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined))]);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === '--') break;
    if (!word.startsWith('-') || word === '-') continue;
    const flag = word.split('=')[0]!;
    const option = options.find((o) => o.long === flag || o.short === flag);
    if (option) {
      // A value in the next word is the option's, even when it starts with a dash.
      if ((option.required || option.optional) && !word.includes('=')) i++;
      continue;
    }
    if (known.has(flag)) continue;
    const nearest = [...known].filter((k) => k.startsWith('--')).sort((a, b) => distance(flag, a) - distance(flag, b))[0];
    const hint = nearest && distance(flag, nearest) <= 3 ? ` (did you mean ${nearest}?)` : '';
    const name = ['sidekey', ...path].join(' ');
    return `unknown option ${flag} for "${name}"${hint}; see: npx ${name} --help`;
  }
  return undefined;
}

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
}

/**
 * A runtime failure (exit 1) in one line that names the setting to look at, instead of Node's own wording:
 * the database that does not answer, a port in use or not allowed, a HOST that is not this machine's.
 */
export function runtimeProblem(error: unknown, env: Readonly<Record<string, string | undefined>>): string {
  if (error instanceof SidekeyError && error.code === 'DATABASE_UNAVAILABLE') {
    const where = env.DATABASE_URL ? `at DATABASE_URL (${redactUrl(env.DATABASE_URL)})` : `in DATA_DIR (${env.DATA_DIR || './data'})`;
    return `cannot reach the database ${where}: ${error.message}`;
  }
  const e = error as SystemError;
  if (e?.syscall === 'listen') {
    const at = `${e.address ?? 'this host'}:${e.port ?? '?'}`;
    if (e.code === 'EADDRINUSE') return `port ${e.port} is already in use on ${e.address} (PORT or --port): stop the program using it, or choose another port`;
    if (e.code === 'EACCES') return `not allowed to listen on ${at} (PORT or --port): ports below 1024 need privileges; choose a port from 1024`;
    if (e.code === 'EADDRNOTAVAIL') return `cannot listen on ${at}: ${e.address} is not an address of this machine (HOST or --host)`;
  }
  return e instanceof Error ? e.message : String(error);
}
