/** `sidekey` — the command line, on the same services as the HTTP API and reading the same configuration. */
import { Command, CommanderError, Option } from 'commander';
import { ConfigProblems, flagHelp, loadConfig, publicBaseUrl } from '../config.js';
import { openServices, type Services } from '../app/context.js';
import { operator } from '../domain/actor.js';
import { SidekeyError } from '../domain/errors.js';
import { lacksScopes, NO_SCOPES_REASON } from '../domain/fields.js';
import { inviteUrl } from '../domain/invites.js';
import { ROLE_LABELS, ROLES, type Role } from '../domain/roles.js';
import { migrateToLatest } from '../store/migrations.js';
import { resolvePassword } from './password.js';
import { runtimeProblem, unknownOptionProblem, UsageProblem } from './usage.js';

const program = new Command();
// Usage errors are one line on stderr and exit 2 (commands made below inherit both settings).
program
  .name('sidekey')
  .description('Self-hostable API access tokens (Account SID + Auth Token).')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`sidekey: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}; see: npx sidekey --help\n`) });

const cli = operator('cli');

// Commands that take a password read it from stdin or a hidden prompt (on a terminal) unless given as an argument.
const PASSWORD_STDIN = ['--password-stdin', 'read the password (at least 12 characters) from standard input — recommended'] as const;
const PASSWORD_ARGUMENT = ['--password <password>', 'the password as an argument: visible in `ps` and shell history, prefer --password-stdin'] as const;

/**
 * Runs an action on the services (the database, no verification runtime: a command never waits for Redis),
 * prints its result (JSON with --json), and turns errors into a clear message and exit code.
 */
async function withServices(options: { json?: boolean }, action: (services: Services) => Promise<{ json: unknown; text: string }>) {
  const context = await openServices(loadConfig());
  try {
    const result = await action(context);
    console.log(options.json ? JSON.stringify(result.json, null, 2) : result.text);
  } finally {
    await context.close();
  }
}

program
  .command('serve')
  .description('Run the web UI, the management API and the verification API')
  .option('--demo', 'seed a demo brand account with history (one user per role, tokens with 30 days of usage, a second account) and print its logins')
  .option('--port <port>', flagHelp('PORT'))
  .option('--host <host>', flagHelp('HOST'))
  .option('--upstream <url>', flagHelp('UPSTREAM_URL'))
  .action(async (options) => {
    // A flag stands in for its variable, and is checked with the rest of the configuration.
    const flags = { PORT: options.port, HOST: options.host, UPSTREAM_URL: options.upstream };
    const given = Object.entries(flags).filter(([, value]) => value !== undefined);
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({ ...process.env, ...Object.fromEntries(given) });
    } catch (error) {
      // A refused flag is named as the user typed it: "--port must be …", not "PORT must be …".
      if (!(error instanceof ConfigProblems)) throw error;
      const flagOf = Object.fromEntries(given.map(([env]) => [env, `--${{ PORT: 'port', HOST: 'host', UPSTREAM_URL: 'upstream' }[env]}`]));
      throw new ConfigProblems(error.problems.map((problem) => problem.replace(/^(\w+) /, (whole, env: string) => (flagOf[env] ? `${flagOf[env]} ` : whole))));
    }
    // Loaded only for `serve`: the HTTP stack is half of the start-up time of every other command.
    const { serve } = await import('./serve.js');
    await serve(config, { demo: Boolean(options.demo) });
  });

program
  .command('migrate')
  .description('Apply pending database migrations (serve also does this on start)')
  .option('--json', 'machine-readable output')
  .action(async (options) => {
    const context = await openServices(loadConfig(), { migrate: false });
    try {
      const applied = await migrateToLatest(context.store.db);
      console.log(options.json ? JSON.stringify({ applied }) : applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
    } finally {
      await context.close();
    }
  });

const admin = program.command('admin').description('Administrators');
admin
  .command('create')
  .description('Create an Account Administrator with a new brand account')
  .requiredOption('--email <email>')
  .option(...PASSWORD_STDIN)
  .option(...PASSWORD_ARGUMENT)
  .requiredOption('--account <name>', 'the brand account name')
  .option('--name <name>', "the administrator's display name")
  .option('--json', 'machine-readable output')
  .action(async (o) => {
    const password = await resolvePassword(o, { confirm: true });
    await withServices(o, async ({ accounts }) => {
      const result = await accounts.createAccountWithAdmin({ email: o.email, password, name: o.name, accountName: o.account }, cli);
      return { json: result, text: `Created account ${result.accountId} with administrator ${o.email} (user ${result.userId}).` };
    });
  });

const account = program.command('account').description('Brand accounts');
account
  .command('create')
  .description('Create a brand account (add users with `sidekey user add`)')
  .requiredOption('--name <name>')
  .option('--json', 'machine-readable output')
  .action((o) =>
    withServices(o, async ({ accounts }) => {
      const result = await accounts.createAccount(o.name, cli);
      return { json: result, text: `Created account ${result.accountId}.` };
    }),
  );

account
  .command('enable-api')
  .description('Enable API access for an account (as the "Enable API Access" button does)')
  .requiredOption('--account <accountId>')
  .option('--legacy', 'also enable the legacy Read/Write and Read-Only tokens')
  .option('--json', 'machine-readable output')
  .action((o) =>
    withServices(o, async ({ tokens }) => {
      let settings = await tokens.enableApiAccess(cli, o.account);
      if (o.legacy) settings = await tokens.enableLegacyTokens(cli, o.account);
      return { json: settings, text: `API access is enabled${settings.legacyTokensEnabled ? ', with legacy tokens' : ''}.` };
    }),
  );

const user = program.command('user').description("Users of an account: list, add, change a role, remove, set a password");
user
  .command('list')
  .description("List an account's users with their roles and last sign-in")
  .requiredOption('--account <accountId>')
  .option('--json', 'machine-readable output')
  .action((o) =>
    withServices(o, async ({ accounts }) => {
      const users = await accounts.listUsers(cli, o.account);
      const lastSignIn = (u: (typeof users)[number]) => (u.invitePending ? 'invite pending' : u.lastSignInAt === null ? 'never signed in' : `last sign-in ${new Date(u.lastSignInAt).toISOString()}`);
      return { json: users, text: users.map((u) => `${u.id}  ${u.email}  ${ROLE_LABELS[u.role]}  ${lastSignIn(u)}`).join('\n') };
    }),
  );

user
  .command('add')
  .description('Add a user to an account with a role: an initial password, or --invite for a one-time link (valid 7 days)')
  .requiredOption('--account <accountId>')
  .requiredOption('--email <email>')
  .option('--invite', 'no password: print a one-time link with which the user sets their own')
  .option(...PASSWORD_STDIN)
  .option(...PASSWORD_ARGUMENT)
  .addOption(new Option('--role <role>').choices([...ROLES]).makeOptionMandatory())
  .option('--name <name>')
  .option('--json', 'machine-readable output')
  .action(async (o) => {
    const password = o.invite ? undefined : await resolvePassword(o, { confirm: true });
    await withServices(o, async ({ accounts, config }) => {
      const result = await accounts.addUser({ accountId: o.account, email: o.email, password, invite: Boolean(o.invite), name: o.name, role: o.role }, cli);
      const link = result.invite && inviteUrl(publicBaseUrl(config), result.invite.token);
      const lines = [`Added ${o.email} as ${ROLE_LABELS[o.role as Role]} (user ${result.userId}).`];
      if (result.existing) lines.push('They already had a sign-in: their password is unchanged.');
      if (link) lines.push(`Send them this one-time link (valid until ${new Date(result.invite!.expiresAt).toISOString()}) to set their password:`, `  ${link}`);
      return { json: { userId: result.userId, existing: result.existing, inviteUrl: link ?? null }, text: lines.join('\n') };
    });
  });

/** A user named by id (usr_…) or e-mail. */
async function userIdOf(accounts: Services['accounts'], idOrEmail: string): Promise<string> {
  if (!idOrEmail.includes('@')) return idOrEmail;
  const found = await accounts.findUserByEmail(idOrEmail);
  if (!found) throw new SidekeyError('NOT_FOUND', `No user has the e-mail ${idOrEmail}.`);
  return found.id;
}

user
  .command('role <user>')
  .description("Change a user's role in an account (user id or e-mail); the last Account Administrator keeps theirs")
  .requiredOption('--account <accountId>')
  .addOption(new Option('--role <role>').choices([...ROLES]).makeOptionMandatory())
  .option('--json', 'machine-readable output')
  .action((who, o) =>
    withServices(o, async ({ accounts }) => {
      const changed = await accounts.changeRole(cli, o.account, await userIdOf(accounts, who), o.role);
      return { json: changed, text: `${changed.email} is now ${ROLE_LABELS[changed.role]}.` };
    }),
  );

user
  .command('remove <user>')
  .description('Remove a user from an account (user id or e-mail); the last Account Administrator stays')
  .requiredOption('--account <accountId>')
  .option('--json', 'machine-readable output')
  .action((who, o) =>
    withServices(o, async ({ accounts }) => {
      const userId = await userIdOf(accounts, who);
      await accounts.removeUser(cli, o.account, userId);
      return { json: { removed: userId }, text: `Removed ${who} from ${o.account}.` };
    }),
  );

user
  .command('password <email>')
  .description("Set a user's password (a forgotten one, or instead of an invite); every session of theirs ends")
  .option(...PASSWORD_STDIN)
  .option(...PASSWORD_ARGUMENT)
  .option('--json', 'machine-readable output')
  .action(async (email, o) => {
    const password = await resolvePassword(o, { confirm: true });
    await withServices(o, async ({ accounts }) => {
      const result = await accounts.resetPassword(email, password, cli);
      return { json: result, text: `Set the password of ${email}; ${result.sessionsEnded} session(s) ended.` };
    });
  });

const tokensCmd = program.command('tokens').description("An account's API access tokens");
const withAccount = (c: Command) => c.requiredOption('--account <accountId>').option('--json', 'machine-readable output');

withAccount(tokensCmd.command('list').description('List tokens, newest first'))
  .option('--name <text>', 'name contains (case-insensitive)')
  .addOption(new Option('--created-on <range>').choices(['last7', 'last30', 'older30']))
  .addOption(new Option('--state <state>').choices(['enabled', 'disabled']))
  .option('--limit <n>', 'page size (1-200)', '50')
  .option('--cursor <cursor>')
  .action((o) =>
    withServices(o, async ({ tokens }) => {
      const page = await tokens.list(cli, o.account, { name: o.name, createdOn: o.createdOn, state: o.state, limit: Number(o.limit), cursor: o.cursor });
      const lines = page.items.map((t) => `${t.id}  ${t.accountSid}  ${t.state.padEnd(8)}  v${t.apiVersion}  ${t.kind.padEnd(9)}  ${t.name}`);
      return { json: page, text: lines.length ? lines.join('\n') + (page.nextCursor ? `\n… more: --cursor ${page.nextCursor}` : '') : 'No tokens match.' };
    }),
  );

withAccount(tokensCmd.command('create').description('Create a scoped token (or, with --canary, a canary token) and print its Auth Token once'))
  .requiredOption('--name <name>')
  .option('--description <text>')
  .option('--api-version <n>')
  .option('--scope <id...>', 'scope ids from the catalog (GET /api/v1/catalog)')
  .option('--developer-email <email...>')
  .option('--canary', 'a canary token: never works; any use alerts its contacts (token.canary_used); takes no scopes')
  .action((o) => {
    // The wizard's rule: a token that can call nothing is refused before anything is created (a canary is meant to).
    if (!o.canary && lacksScopes(o.scope ?? [])) throw new UsageProblem(`--scope is required: ${NO_SCOPES_REASON} (the scope ids are in GET /api/v1/catalog)`);
    return withServices(o, async ({ tokens }) => {
      const issued = await tokens.create(cli, o.account, {
        kind: o.canary ? 'canary' : 'scoped',
        name: o.name,
        description: o.description,
        apiVersion: o.apiVersion === undefined ? undefined : Number(o.apiVersion),
        scopes: o.scope ?? [],
        developerEmails: o.developerEmail ?? [],
      });
      return { json: issued, text: `Created ${issued.token.id}\nAccount SID: ${issued.token.accountSid}\nAuth Token:  ${issued.authToken}` };
    });
  });

withAccount(tokensCmd.command('reset <tokenId>').description('Issue a new Auth Token; the old one stops working'))
  .option('--grace-seconds <n>', 'keep the old secret valid this long (max 7 days)', '0')
  .action((tokenId, o) =>
    withServices(o, async ({ tokens }) => {
      const issued = await tokens.reset(cli, o.account, tokenId, { graceSeconds: Number(o.graceSeconds) });
      return { json: issued, text: `Reset ${tokenId}\nAccount SID: ${issued.token.accountSid}\nAuth Token:  ${issued.authToken}` };
    }),
  );

for (const [name, state] of [['disable', 'disabled'], ['enable', 'enabled']] as const) {
  withAccount(tokensCmd.command(`${name} <tokenId>`).description(`${name[0].toUpperCase()}${name.slice(1)} a token`)).action((tokenId, o) =>
    withServices(o, async ({ tokens }) => {
      const token = await tokens.setState(cli, o.account, tokenId, state);
      return { json: token, text: `${token.name} (${tokenId}) is now ${token.state}.` };
    }),
  );
}

withAccount(tokensCmd.command('delete <tokenId>').description('Delete a token (its audit history stays)')).action((tokenId, o) =>
  withServices(o, async ({ tokens }) => {
    await tokens.delete(cli, o.account, tokenId);
    return { json: { deleted: tokenId }, text: `Deleted ${tokenId}.` };
  }),
);

/**
 * Exit codes: 0 done, 1 a runtime failure (the database, the port), 2 a usage or input mistake, 4 not found,
 * 5 a conflict. Every failure is one line (plus one per refused field) on stderr, naming the setting or option.
 */
try {
  const mistyped = unknownOptionProblem(program, process.argv.slice(2));
  if (mistyped) throw new UsageProblem(mistyped);
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its message (configureOutput); --help and --version end here with 0.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof UsageProblem) {
    console.error(`sidekey: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof ConfigProblems) {
    console.error(`sidekey: ${error.problems.join('; ')}`);
    process.exitCode = 2;
  } else if (error instanceof SidekeyError && error.code !== 'DATABASE_UNAVAILABLE') {
    const fields = error.fields.map((f) => `\n  ${f.field}: ${f.message}`).join('');
    console.error(`sidekey: ${error.message}${fields}`);
    process.exitCode = error.status === 404 ? 4 : error.status === 409 ? 5 : 2;
  } else {
    console.error(`sidekey: ${runtimeProblem(error, process.env)}`);
    process.exitCode = 1;
  }
}
