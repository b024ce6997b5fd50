/**
 * Where a CLI command's password comes from, safest first: standard input (`--password-stdin`, for scripts:
 * nothing shows in `ps` or shell history), a prompt on a terminal that echoes nothing, or the `--password`
 * argument (still accepted for scripts, but visible to every user of the machine while the command runs).
 */
import { invalidInput } from '../domain/errors.js';

export interface PasswordOptions {
  password?: string;
  passwordStdin?: boolean;
}

interface Io {
  stdin: NodeJS.ReadStream;
  prompt: NodeJS.WriteStream;
}

export async function resolvePassword(options: PasswordOptions, { confirm }: { confirm: boolean }, io: Io = { stdin: process.stdin, prompt: process.stderr }): Promise<string> {
  if (options.password !== undefined && options.passwordStdin) throw invalidInput([{ field: 'password', message: 'give --password or --password-stdin, not both' }]);
  if (options.passwordStdin) return readAll(io.stdin);
  if (options.password !== undefined) return options.password;
  if (!io.stdin.isTTY) throw invalidInput([{ field: 'password', message: 'is required: pipe it with --password-stdin (recommended), type it at the prompt on a terminal, or pass --password' }]);
  const password = await promptHidden('Password: ', io);
  if (confirm && (await promptHidden('Repeat the password: ', io)) !== password) throw invalidInput([{ field: 'password', message: 'the two entries differ' }]);
  return password;
}

/** All of standard input, less one line ending (what `echo` or a here-string adds). */
async function readAll(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from the terminal in raw mode, echoing nothing; Ctrl-C cancels. */
function promptHidden(question: string, { stdin, prompt }: Io): Promise<string> {
  return new Promise((resolve, reject) => {
    // Raw mode before the question: an answer typed the moment the question shows is never echoed.
    stdin.setRawMode(true);
    prompt.write(question);
    let typed: string[] = [];
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed.join(''));
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed.push(ch);
      }
    };
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}
