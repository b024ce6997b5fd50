/**
 * The differential property, for one entrance in front of one reporting router:
 *
 *   whenever the entrance lets a request through (the router received it; for the SDK, its preHandler let
 *   it pass), the router ran an endpoint the token may call — for a scoped token one of its granted scopes
 *   for that method (HEAD counts as GET), for a legacy token a catalog endpoint (Read-Only: GET only) —
 *   AND the router's AccountSID parameter is the token's own Account SID (a legacy token reaches no path
 *   without one).
 *
 * A proxying entrance must also hand the router the identity of the token that was checked, in the four
 * X-Sidekey-* headers only, and never the Authorization header. Every test request carries forged identity
 * headers (naming account B) in the spellings a CGI/PHP/Rack/WSGI upstream would read as the real ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type Case, type TokenRole, SCOPED_GRANTS, fixedCorpus, generatedCorpus, generatedRuns, seed } from './corpus.js';
import { NO_ANSWER, type RawHttpClient, type RawRequest } from './raw-http.js';
import { PROBE_HEADER, type ReportingRouter, type RouterHit } from './routers.js';
import type { TokenUnderTest, World } from './world.js';

export interface Entrance {
  /** e.g. "nginx → fastify". */
  name: string;
  client: RawHttpClient;
  router: ReportingRouter;
  /** True when the entrance proxies to the router and so must set the identity headers (not the SDK). */
  proxies: boolean;
}

export type MismatchKind =
  | 'endpoint not granted'
  | 'read-only token ran a write'
  | 'another Account SID'
  | 'legacy token outside its account'
  | 'scoped request reached no route'
  | 'identity header wrong or missing'
  | 'client-sent identity header reached the upstream'
  | 'Authorization reached the upstream'
  | 'request arrived more than once'
  | 'request the entrance never sent';

export interface Mismatch {
  kind: MismatchKind;
  case?: Case;
  hit: RouterHit;
}

export interface Tally {
  entrance: string;
  sent: number;
  allowed: number;
  refused: number;
  /** Answers of the refused requests, by status (0: the connection closed without an answer). */
  refusedByStatus: Record<string, number>;
  /** Let through, but the router ran no route (404 upstream): no endpoint was reached. */
  unrouted: number;
  mismatches: Mismatch[];
  /** Per case, in the order sent. */
  outcomes: { case: Case; allowed: boolean; routed: boolean; status: number; ran?: string; code?: string }[];
}

/** The forged identity every request carries: what an attacker would like the upstream to believe. */
export function forgedIdentityHeaders(world: World): [string, string][] {
  return [
    ['X-Sidekey-Account-Sid', world.sids.other],
    ['X-Sidekey-Account-Id', world.accountB.accountId],
    ['X-Sidekey-Token-Id', 'tok_forged'],
    ['X_Sidekey_Account_Sid', world.sids.other],
    ['X_SIDEKEY_ACCOUNT_ID', world.accountB.accountId],
  ];
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function requestOf(world: World, c: Case, probe: string, extraHeaders: [string, string][] = []): RawRequest {
  const headers: [string, string][] = [['Authorization', world.tokens[c.role].authorization], [PROBE_HEADER, probe], ...forgedIdentityHeaders(world), ...extraHeaders];
  if (BODY_METHODS.has(c.method)) headers.push(['Content-Length', '0']);
  return { method: c.method, target: c.target, headers };
}

const ACCOUNT_SID_PARAM = 'AccountSID';
const IDENTITY = ['x-sidekey-account-id', 'x-sidekey-token-id', 'x-sidekey-account-sid', 'x-sidekey-api-version'];

/** What is wrong with what the router ran for this request, if anything. */
export function judge(token: TokenUnderTest, hit: RouterHit, proxies: boolean): MismatchKind[] {
  const problems: MismatchKind[] = [];
  if (proxies) {
    const seen = new Set<string>();
    for (const name of Object.keys(hit.headers)) {
      const normalised = name.toLowerCase().replace(/_/g, '-');
      if (!normalised.startsWith('x-sidekey-')) continue;
      if (IDENTITY.includes(name)) seen.add(name);
      else problems.push('client-sent identity header reached the upstream');
    }
    const h = hit.headers;
    if (h['x-sidekey-account-sid'] !== token.accountSid || h['x-sidekey-token-id'] !== token.tokenId || h['x-sidekey-account-id'] !== token.accountId || seen.size !== IDENTITY.length) {
      problems.push('identity header wrong or missing');
    }
    if (h.authorization !== undefined) problems.push('Authorization reached the upstream');
  }
  const routed = hit.routed;
  if (!routed) {
    if (token.kind === 'scoped') problems.push('scoped request reached no route');
    return [...new Set(problems)];
  }
  const method = routed.method === 'HEAD' ? 'GET' : routed.method;
  if (token.kind === 'scoped' && !token.grants.has(`${method} ${routed.template}`)) problems.push('endpoint not granted');
  if (token.kind === 'legacy_ro' && method !== 'GET') problems.push('read-only token ran a write');
  const sid = routed.params[ACCOUNT_SID_PARAM];
  if (sid === undefined) {
    if (token.kind !== 'scoped') problems.push('legacy token outside its account');
  } else if (sid !== token.accountSid) problems.push('another Account SID');
  return [...new Set(problems)];
}

let probes = 0;

/** The envelope's Code of a refusal, when its body carries one. */
function codeOf(body: Buffer): string | undefined {
  if (body.length === 0 || body.length > 20_000 || body[0] !== 0x7b) return undefined;
  try {
    const code = JSON.parse(body.toString('utf8')).Code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Sends every case through the entrance and judges what reached the router. */
export async function sendCorpus(entrance: Entrance, world: World, cases: Case[]): Promise<Tally> {
  const prefix = `${entrance.name.replace(/\W+/g, '-')}-${process.pid}-${++probes}-`;
  const requests = cases.map((c, i) => requestOf(world, c, prefix + i));
  const firstHit = entrance.router.hits.length;
  const answers = await entrance.client.all(requests);
  const tally: Tally = { entrance: entrance.name, sent: cases.length, allowed: 0, refused: 0, refusedByStatus: {}, unrouted: 0, mismatches: [], outcomes: [] };
  for (const [i, c] of cases.entries()) {
    const hit = entrance.router.hitOf(prefix + i);
    const letThrough = hit !== undefined && (entrance.proxies || hit.passed === true);
    const ran = hit?.routed ? `${hit.routed.method} ${hit.routed.template} ${JSON.stringify(hit.routed.params)}` : undefined;
    const code = answers[i].headers['x-sidekey-code'] ?? codeOf(answers[i].body);
    tally.outcomes.push({ case: c, allowed: letThrough, routed: hit?.routed !== undefined && letThrough, status: answers[i].status, ...(ran ? { ran } : {}), ...(code ? { code } : {}) });
    if (!letThrough) {
      tally.refused++;
      const status = String(answers[i].status === NO_ANSWER ? 0 : answers[i].status);
      tally.refusedByStatus[status] = (tally.refusedByStatus[status] ?? 0) + 1;
      continue;
    }
    tally.allowed++;
    if (!hit.routed) tally.unrouted++;
    for (const kind of judge(world.tokens[c.role], hit, entrance.proxies)) tally.mismatches.push({ kind, case: c, hit });
    if (entrance.router.arrivals(prefix + i) > 1) tally.mismatches.push({ kind: 'request arrived more than once', case: c, hit });
  }
  for (const hit of entrance.router.hits.slice(firstHit)) {
    if (hit.probe === undefined || !hit.probe.startsWith(prefix)) tally.mismatches.push({ kind: 'request the entrance never sent', hit });
  }
  return tally;
}

export function mismatchesByKind(tally: Tally): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of tally.mismatches) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
  return counts;
}

/** Cases with at least one mismatch (a case can break several rules at once). */
export const mismatchedCases = (tally: Tally) => new Set(tally.mismatches.map((m) => m.case ?? m.hit)).size;

const clip = (text: string, n = 160) => (text.length > n ? `${text.slice(0, n)}…(${text.length} chars)` : text);
const printable = (text: string) => clip(JSON.stringify(text).slice(1, -1));

export function describeMismatch(m: Mismatch): string {
  const sent = m.case ? `${m.case.method} ${printable(m.case.target)} [${m.case.role}; ${m.case.label}]` : '(not sent by the test)';
  const ran = m.hit.routed ? `${m.hit.routed.method} ${m.hit.routed.template} ${JSON.stringify(m.hit.routed.params).slice(0, 200)}` : 'no route';
  return `${m.kind}: ${sent} → upstream got ${m.hit.method} ${printable(m.hit.url)}, ran ${ran}`;
}

/** One line per entrance for the log (and the closing note), plus the first few mismatches. */
export function report(tally: Tally, examples = 12): string {
  const statuses = Object.entries(tally.refusedByStatus)
    .sort()
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ');
  const kinds = Object.entries(mismatchesByKind(tally))
    .map(([k, n]) => `${k}: ${n}`)
    .join('; ');
  const lines = [
    `[differential] ${tally.entrance}: sent ${tally.sent}, allowed ${tally.allowed} (unrouted ${tally.unrouted}), refused ${tally.refused} (${statuses}), mismatches ${tally.mismatches.length} in ${mismatchedCases(tally)} requests${kinds ? ` (${kinds})` : ''}`,
  ];
  const shown = new Set<string>();
  for (const m of tally.mismatches) {
    if (shown.size >= examples) break;
    const key = `${m.kind} ${m.case?.label}`;
    if (shown.has(key)) continue;
    shown.add(key);
    lines.push(`    ${describeMismatch(m)}`);
  }
  return lines.join('\n');
}

/** The test's verdict: no mismatch, shown with examples when there are some. */
export function verdict(tally: Tally) {
  return { mismatches: tally.mismatches.length, byKind: mismatchesByKind(tally), examples: [...new Set(tally.mismatches.slice(0, 200).map(describeMismatch))].slice(0, 15) };
}
export const CLEAN = { mismatches: 0, byKind: {}, examples: [] };

/** Canonical requests each token may make: an entrance that refuses one of them tests nothing. */
const MUST_PASS: { label: string; method: string; roles: TokenRole[] }[] = [
  { label: 'baseline: list actions', method: 'GET', roles: ['scoped', 'legacyRo', 'legacyRw'] },
  { label: 'baseline: one action item', method: 'GET', roles: ['scoped', 'legacyRo', 'legacyRw'] },
  { label: 'baseline: query string', method: 'GET', roles: ['scoped', 'legacyRo', 'legacyRw'] },
  { label: 'baseline: catalog item', method: 'GET', roles: ['scoped', 'legacyRo', 'legacyRw'] },
  { label: 'baseline: catalog item', method: 'PUT', roles: ['scoped', 'legacyRw'] },
  { label: 'baseline: exception list item', method: 'DELETE', roles: ['scoped', 'legacyRw'] },
  { label: 'baseline: list actions', method: 'HEAD', roles: ['scoped', 'legacyRo', 'legacyRw'] },
];

/** The canonical requests that did not get through and run their endpoint (should be none). */
export function baselineRefused(tally: Tally): string[] {
  const failed: string[] = [];
  for (const must of MUST_PASS) {
    for (const role of must.roles) {
      const outcome = tally.outcomes.find((o) => o.case.label === must.label && o.case.method === must.method && o.case.role === role);
      if (!outcome) continue;
      if (!outcome.allowed || !outcome.routed) failed.push(`${must.method} ${must.label} [${role}] → ${outcome.status}`);
    }
  }
  return failed;
}

let announced = false;
const corpora = new WeakMap<World, Case[][]>();

/**
 * The cases for each router of an entrance: every fixed trick goes to each router; the generated targets
 * (SIDEKEY_DIFFERENTIAL_RUNS, 10,000 by default) are dealt out between the routers, so each entrance sends
 * all of them once.
 */
export function differentialCorpus(world: World, routers: number, options: { seed?: number; runs?: number } = {}): Case[][] {
  const made = corpora.get(world);
  if (made && made.length === routers) return made;
  const seedValue = options.seed ?? seed();
  const runs = options.runs ?? generatedRuns();
  if (!announced) {
    announced = true;
    console.log(`[differential] fast-check seed ${seedValue} (SIDEKEY_DIFFERENTIAL_SEED), ${runs} generated targets per entrance (SIDEKEY_DIFFERENTIAL_RUNS)`);
  }
  const fixed = fixedCorpus(world.sids);
  const generated = generatedCorpus(world.sids, SCOPED_GRANTS, { seed: seedValue, runs });
  const dealt = Array.from({ length: routers }, (_, r) => [...fixed, ...generated.filter((_c, i) => i % routers === r)]);
  corpora.set(world, dealt);
  return dealt;
}

/** With SIDEKEY_DIFFERENTIAL_DUMP=<dir>: every case, its answer and what the router ran, one JSON line each. */
function dump(tally: Tally): void {
  const dir = process.env.SIDEKEY_DIFFERENTIAL_DUMP;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${tally.entrance.replace(/\W+/g, '-')}.jsonl`);
  writeFileSync(file, tally.outcomes.map((o) => JSON.stringify(o)).join('\n') + '\n');
  console.log(`[differential] ${tally.entrance}: every answer in ${file}`);
}

/** Logs the entrance's counts and holds the property: every canonical request passed, and no mismatch. */
export function expectTheProperty(tally: Tally, options: { baseline?: boolean } = {}): void {
  console.log(report(tally));
  dump(tally);
  if (options.baseline !== false) expect(baselineRefused(tally), `${tally.entrance}: canonical requests the entrance refused`).toEqual([]);
  expect(verdict(tally), `${tally.entrance}: requests let through to an endpoint or account the token may not reach`).toEqual(CLEAN);
}
