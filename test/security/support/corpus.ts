/**
 * The request targets an attacker sends: a fixed list of every known trick, and a fast-check generator that
 * fills catalog templates with the token's own Account SID, another account's, a sibling token's, or ids,
 * then mutates them (percent-encoding, dot and empty segments, `; # \ %`, case flips, query strings, Unicode,
 * overlong segments). The generator runs on a fixed seed unless SIDEKEY_DIFFERENTIAL_SEED names another, so
 * a failure reproduces; SIDEKEY_DIFFERENTIAL_RUNS changes how many targets it makes.
 */
import fc from 'fast-check';
import { brandCatalog } from '../../verify/helpers.js';
import { type CatalogRoute, catalogRoutes } from './routers.js';

export type TokenRole = 'scoped' | 'legacyRo' | 'legacyRw';
export const TOKEN_ROLES: TokenRole[] = ['scoped', 'legacyRo', 'legacyRw'];

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export interface Case {
  /** Where the target came from: the trick's name, or `generated #n`. */
  label: string;
  role: TokenRole;
  method: string;
  target: string;
}

/** The Account SIDs a target may carry: each token's own, another account's, and a sibling token's of account A. */
export interface Sids {
  own: Record<TokenRole, string>;
  other: string;
  sibling: string;
}

/**
 * The scoped token's grants (scope ids of catalog/brand.json): several sit beside an ungranted scope on a
 * neighbouring path, so a target that servers read two ways would reach a scope the token lacks.
 */
export const SCOPED_GRANTS = [
  'getAccountHome',
  'listActions',
  'getActionById',
  'getActionItemBySku',
  'listPrograms',
  'getCatalogItemById',
  'updateCatalogItem', // PUT …/Catalogs/{id}/Items/{id}, without updateCatalogPullSettings (PUT …/Catalogs/{id})
  'getExceptionListItemById',
  'deleteExceptionListItem', // DELETE …/ExceptionLists/{id}/Items/{id}, without deleteAllExceptionListItems
  'trackPageLoad', // POST /PageLoad: a catalog path with no Account SID in it
];

export const DEFAULT_SEED = 20_260_601;
export const seed = () => Number(process.env.SIDEKEY_DIFFERENTIAL_SEED ?? DEFAULT_SEED);
export const generatedRuns = () => Number(process.env.SIDEKEY_DIFFERENTIAL_RUNS ?? 10_000);

// ---- the fixed list -----------------------------------------------------------------------------------------

/** One trick: a target built from the SIDs, the methods it is sent with (every method unless named). */
interface Trick {
  label: string;
  target: (own: string, s: Sids) => string;
  methods?: readonly string[];
}

const FULLWIDTH_DOT = '\uFF0E';
const TWO_DOT_LEADER = '\u2025';
const utf8Escaped = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

const TRICKS: Trick[] = [
  // Canonical baselines: these must work at every entrance (else the entrance tests nothing).
  { label: 'baseline: list actions', target: (o) => `/Advertisers/${o}/Actions` },
  { label: 'baseline: one action item', target: (o) => `/Advertisers/${o}/Actions/7/Items/SKU-1` },
  { label: 'baseline: catalog item', target: (o) => `/Advertisers/${o}/Catalogs/1/Items/2` },
  { label: 'baseline: exception list item', target: (o) => `/Advertisers/${o}/ExceptionLists/1/Items/2` },
  { label: 'baseline: page load', target: () => `/PageLoad` },
  { label: 'baseline: query string', target: (o) => `/Advertisers/${o}/Actions?PageSize=10&Page=2` },
  { label: 'baseline: another account', target: (_o, s) => `/Advertisers/${s.other}/Actions` },
  { label: 'baseline: a sibling token', target: (_o, s) => `/Advertisers/${s.sibling}/Actions` },
  // The root segment read differently.
  { label: 'encoded root letter, other account', target: (_o, s) => `/%41dvertisers/${s.other}/Actions` },
  { label: 'encoded root letter (lower-case hex), other account', target: (_o, s) => `/%41dvertisers/${s.other}/Actions/1` },
  { label: 'encoded root letter, own account', target: (o) => `/%41dvertisers/${o}/Actions` },
  { label: 'encoded lower-case root letter', target: (_o, s) => `/%61dvertisers/${s.other}/Actions` },
  { label: 'encoded endpoint letter (ReportExport bucket)', target: (o) => `/Advertisers/${o}/%52eportExport/1` },
  { label: 'matrix parameter on the root', target: (_o, s) => `/Advertisers;x=1/${s.other}/Actions` },
  { label: 'bare ; on the root', target: (_o, s) => `/Advertisers;/${s.other}/Actions` },
  { label: 'empty first segment', target: (_o, s) => `//x/Advertisers/${s.other}/Actions` },
  { label: 'double slash before the root', target: (_o, s) => `//Advertisers/${s.other}/Actions` },
  { label: 'the bare root', target: () => `/` },
  { label: 'the bare root with a query', target: () => `/?IrVersion=14` },
  { label: 'root segment only', target: () => `/Advertisers` },
  { label: 'root segment with trailing slash', target: () => `/Advertisers/` },
  // Dot segments, encoded and not.
  { label: 'dot-dot to another account', target: (o, s) => `/Advertisers/${o}/../${s.other}/Actions` },
  { label: '%2e%2e to another account', target: (o, s) => `/Advertisers/${o}/%2e%2e/${s.other}/Actions` },
  { label: '.%2e to another account', target: (o, s) => `/Advertisers/${o}/.%2e/${s.other}/Actions` },
  { label: '%2E. to another account', target: (o, s) => `/Advertisers/${o}/%2E./${s.other}/Actions` },
  { label: 'dot segment', target: (o) => `/Advertisers/${o}/./Actions` },
  { label: 'encoded dot segment', target: (o) => `/Advertisers/${o}/%2e/Actions` },
  { label: 'dot-dot out of a parameter', target: (o) => `/Advertisers/${o}/Catalogs/1/Items/2/../../3` },
  { label: 'double-encoded dot-dot', target: (o, s) => `/Advertisers/${o}/%252e%252e/${s.other}/Actions` },
  { label: 'overlong UTF-8 dot', target: (o, s) => `/Advertisers/${o}/%c0%ae%c0%ae/${s.other}/Actions` },
  { label: 'IIS %u dot', target: (o, s) => `/Advertisers/${o}/%u002e%u002e/${s.other}/Actions` },
  // Slashes and backslashes.
  { label: '%2F inside the SID segment', target: (o, s) => `/Advertisers/${o}%2F..%2F${s.other}/Actions` },
  { label: '%2f joining two segments', target: (o) => `/Advertisers/${o}/Actions%2f1` },
  { label: '%2F inside a parameter', target: (o) => `/Advertisers/${o}/Catalogs/1%2FItems/2` },
  { label: '%5c dot-dot', target: (o, s) => `/Advertisers/${o}/Actions/%5c..%5c..%5c${s.other}%5cActions` },
  { label: 'backslash dot-dot', target: (o, s) => `/Advertisers/${o}/Actions/\\..\\..\\${s.other}\\Actions` },
  { label: 'backslash as separator', target: (o) => `/Advertisers\\${o}\\Actions` },
  { label: 'double slash inside', target: (o) => `/Advertisers/${o}//Actions` },
  { label: 'double slash before a parameter', target: (o) => `/Advertisers/${o}/Catalogs/1//Items/2` },
  { label: 'trailing slash', target: (o) => `/Advertisers/${o}/Actions/` },
  { label: 'trailing slash after the SID', target: (o) => `/Advertisers/${o}/` },
  { label: 'two trailing slashes', target: (o) => `/Advertisers/${o}/Actions//` },
  { label: 'empty parameter', target: (o) => `/Advertisers/${o}/Catalogs//Items/2` },
  // Letter case.
  { label: 'lower-case path', target: (o) => `/advertisers/${o}/actions` },
  { label: 'upper-case root, other account', target: (_o, s) => `/ADVERTISERS/${s.other}/Actions` },
  { label: 'upper-case endpoint', target: (o) => `/Advertisers/${o}/ACTIONS` },
  { label: 'one letter flipped in the endpoint', target: (o) => `/Advertisers/${o}/CataLogs/1/Items/2` },
  { label: 'lower-case SID', target: (o) => `/Advertisers/${o.toLowerCase()}/Actions` },
  // Control characters and NUL.
  { label: '%00 after a parameter', target: (o) => `/Advertisers/${o}/Actions/1%00` },
  { label: '%00 inside the endpoint', target: (o) => `/Advertisers/${o}/Actions%00/1` },
  { label: '%0a in a parameter', target: (o) => `/Advertisers/${o}/Actions/1%0aX` },
  { label: '%09 in a parameter', target: (o) => `/Advertisers/${o}/Actions/1%09` },
  { label: 'raw tab in the path', target: (o) => `/Advertisers/${o}/Actions/1\t2` },
  { label: '%7f in a parameter', target: (o) => `/Advertisers/${o}/Actions/1%7f` },
  // Unicode that normalises to dots or letters.
  { label: 'raw fullwidth dots', target: (o, s) => `/Advertisers/${o}/${FULLWIDTH_DOT}${FULLWIDTH_DOT}/${s.other}/Actions` },
  { label: 'encoded fullwidth dots', target: (o, s) => `/Advertisers/${o}/${utf8Escaped(FULLWIDTH_DOT + FULLWIDTH_DOT)}/${s.other}/Actions` },
  { label: 'raw two-dot leader', target: (o, s) => `/Advertisers/${o}/${TWO_DOT_LEADER}/${s.other}/Actions` },
  { label: 'encoded two-dot leader', target: (o, s) => `/Advertisers/${o}/${utf8Escaped(TWO_DOT_LEADER)}/${s.other}/Actions` },
  { label: 'raw non-ASCII in a parameter', target: (o) => `/Advertisers/${o}/Actions/caf\u00e9` },
  { label: 'encoded non-ASCII in a parameter', target: (o) => `/Advertisers/${o}/Actions/caf%C3%A9` },
  { label: 'fullwidth letter in the root', target: (_o, s) => `/\uFF21dvertisers/${s.other}/Actions` },
  { label: 'dotless i in the endpoint', target: (o) => `/Advertisers/${o}/Catalogs/1/\u0130tems/2` },
  { label: 'Kelvin sign in the SID', target: (o) => `/Advertisers/${o.replace(/k/i, '\u212A')}/Actions` },
  // # and ; inside a parameter.
  { label: '# inside a parameter (update catalog pull settings)', target: (o) => `/Advertisers/${o}/Catalogs/1#/Items/2`, methods: ['PUT', 'GET', 'DELETE'] },
  { label: '# to another account', target: (o, s) => `/Advertisers/${o}/Actions/1#/../../${s.other}/Actions` },
  { label: '%23 inside a parameter', target: (o) => `/Advertisers/${o}/Catalogs/1%23/Items/2` },
  { label: '; before a parameter (delete all items)', target: (o) => `/Advertisers/${o}/ExceptionLists/1/Items/;2`, methods: ['DELETE', 'GET'] },
  { label: '; inside a parameter', target: (o) => `/Advertisers/${o}/Catalogs/1;/Items/2`, methods: ['PUT', 'GET'] },
  { label: '; after the endpoint', target: (o) => `/Advertisers/${o}/ExceptionLists/1/Items;2`, methods: ['DELETE', 'GET'] },
  { label: '%3b inside a parameter', target: (o) => `/Advertisers/${o}/ExceptionLists/1/Items/%3b2` },
  { label: '? inside a parameter', target: (o) => `/Advertisers/${o}/Catalogs/1?/Items/2` },
  { label: 'raw % not an escape', target: (o) => `/Advertisers/${o}/Actions/100%` },
  { label: 'bad escape', target: (o) => `/Advertisers/${o}/Actions/%zz` },
  { label: '%25 in a parameter', target: (o) => `/Advertisers/${o}/Actions/1%25` },
  // Overlong.
  { label: 'parameter over 100 characters', target: (o) => `/Advertisers/${o}/Actions/${'7'.repeat(101)}` },
  { label: 'overlong path, 8 KB', target: (o) => `/Advertisers/${o}/Actions/${'7'.repeat(8_000)}` },
  { label: 'many segments', target: (o) => `/Advertisers/${o}/Actions${'/x'.repeat(300)}` },
  // The query string.
  { label: '_method=DELETE on a GET scope', target: (o) => `/Advertisers/${o}/Actions?_method=DELETE` },
  { label: '_method=PUT on a GET scope', target: (o) => `/Advertisers/${o}/Catalogs/1?_method=PUT` },
  { label: 'two IrVersion parameters', target: (o) => `/Advertisers/${o}/Actions?IrVersion=11&IrVersion=14` },
  { label: 'IrVersion in another case, twice', target: (o) => `/Advertisers/${o}/Actions?irversion=13&IRVERSION=12` },
  { label: 'encoded ? before a query', target: (o) => `/Advertisers/${o}/Actions%3FPageSize=1` },
  { label: 'query with # and /', target: (o) => `/Advertisers/${o}/Actions?x=/../${'a'}#frag` },
  // Other request-target forms.
  { label: 'absolute-form target', target: (o) => `http://127.0.0.1/Advertisers/${o}/Actions` },
  { label: 'asterisk-form target', target: () => `*` },
];

/** Every trick × every token × its methods. */
export function fixedCorpus(sids: Sids): Case[] {
  const cases: Case[] = [];
  for (const role of TOKEN_ROLES) {
    for (const trick of TRICKS) {
      for (const method of trick.methods ?? METHODS) cases.push({ label: trick.label, role, method, target: trick.target(sids.own[role], sids) });
    }
  }
  return cases;
}

// ---- the generator ------------------------------------------------------------------------------------------

const INSERTIONS = [
  '.', '..', '/', '//', '/.', '/..', '/./', '/../', '%2e', '%2E', '%2e%2e', '.%2e', '%2e.', '%2f', '%2F', '%5c', '%5C', '\\', ';', ';x=1', '%3b', '#', '%23',
  '%', '%25', '%252e', '%252f', '?', '%3f', '%00', '%0a', '%0d', '%09', '%20', '+', '%2b', '&', '=', '~', '%7e', '-', '_', ':', '@', '!', '$', "'", '(', '*', ',',
  FULLWIDTH_DOT, utf8Escaped(FULLWIDTH_DOT), TWO_DOT_LEADER, utf8Escaped(TWO_DOT_LEADER), '\u00e9', '%C3%A9', '%c0%ae', '\uFF0F', utf8Escaped('\uFF0F'), '\u200b',
];
const REPLACEMENTS = ['', '.', '..', '%2e', '%2e%2e', '.%2e', ';', ';x', '#', '%23', '%2f', 'Items', 'Actions', 'Advertisers', '0', '-1', '%41', '%7e'];
const QUERIES = ['?PageSize=10', '?IrVersion=11', '?IrVersion=14', '?IrVersion=11&IrVersion=14', '?irversion=99', '?_method=DELETE', '?_method=PUT', '?_method=post', '?a=%2F..', '?#', '?x=1#y', '?', '?%00', '?a;b'];
const PREFIXES = ['//x', '/x/..', '/.', '//', '/%2e', '/./', '/%2F', '/Advertisers/..', '\\'];

/** Percent-encodes one character (every UTF-8 byte), in upper- or lower-case hex. */
const encodeChar = (char: string, lower: boolean) => {
  const escaped = utf8Escaped(char);
  return lower ? escaped.toLowerCase() : escaped;
};

type Mutation =
  | { kind: 'encode'; at: number; lower: boolean }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'afterSlash'; at: number; text: string }
  | { kind: 'doubleSlash'; at: number }
  | { kind: 'trailingSlash' }
  | { kind: 'flipCase'; at: number }
  | { kind: 'replaceSegment'; at: number; text: string }
  | { kind: 'prefix'; text: string }
  | { kind: 'query'; text: string }
  | { kind: 'doubleEncode'; at: number }
  | { kind: 'longSegment'; at: number; length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('encode' as const), at: fc.nat(), lower: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...INSERTIONS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('afterSlash' as const), at: fc.nat(), text: fc.constantFrom(...INSERTIONS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('doubleSlash' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trailingSlash' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flipCase' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replaceSegment' as const), at: fc.nat(), text: fc.constantFrom(...REPLACEMENTS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prefix' as const), text: fc.constantFrom(...PREFIXES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('query' as const), text: fc.constantFrom(...QUERIES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('doubleEncode' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('longSegment' as const), at: fc.nat(), length: fc.oneof(fc.integer({ min: 95, max: 140 }), fc.integer({ min: 1_000, max: 6_000 })) }) },
);

/** Applies one mutation to a path (the query string, if any, is kept at the end). */
function mutate(target: string, m: Mutation): string {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  const slashes = [...path].flatMap((c, i) => (c === '/' ? [i] : []));
  const segments = path.split('/');
  const pick = <T>(list: T[], at: number) => list[at % list.length];
  switch (m.kind) {
    case 'encode': {
      const chars = [...path];
      if (chars.length === 0) return target;
      const i = m.at % chars.length;
      chars[i] = encodeChar(chars[i], m.lower);
      return chars.join('') + query;
    }
    case 'insert': {
      const i = m.at % (path.length + 1);
      return path.slice(0, i) + m.text + path.slice(i) + query;
    }
    case 'afterSlash': {
      const i = pick(slashes, m.at) + 1;
      return path.slice(0, i) + m.text + path.slice(i) + query;
    }
    case 'doubleSlash': {
      const i = pick(slashes, m.at);
      return `${path.slice(0, i)}/${path.slice(i)}${query}`;
    }
    case 'trailingSlash':
      return `${path}/${query}`;
    case 'flipCase': {
      const letters = [...path].flatMap((c, i) => (/[A-Za-z]/.test(c) ? [i] : []));
      if (letters.length === 0) return target;
      const i = pick(letters, m.at);
      const c = path[i];
      return path.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + path.slice(i + 1) + query;
    }
    case 'replaceSegment': {
      if (segments.length < 2) return target;
      const i = 1 + (m.at % (segments.length - 1));
      segments[i] = m.text;
      return segments.join('/') + query;
    }
    case 'prefix':
      return m.text + path + query;
    case 'query':
      return path + (query ? `${query}&${m.text.slice(1)}` : m.text);
    case 'doubleEncode': {
      const percents = [...path].flatMap((c, i) => (c === '%' ? [i] : []));
      if (percents.length === 0) return target;
      const i = pick(percents, m.at);
      return `${path.slice(0, i)}%25${path.slice(i + 1)}${query}`;
    }
    case 'longSegment': {
      if (segments.length < 2) return target;
      const i = 1 + (m.at % (segments.length - 1));
      segments[i] = '9'.repeat(m.length);
      return segments.join('/') + query;
    }
  }
}

type Filler = 'own' | 'other' | 'sibling' | 'number' | 'word' | 'literal' | 'empty';
const accountSidFiller = fc.constantFrom<Filler>('own', 'own', 'own', 'own', 'own', 'own', 'other', 'other', 'sibling', 'word');
const paramFiller = fc.constantFrom<Filler>('number', 'number', 'number', 'number', 'word', 'word', 'other', 'literal', 'empty');

const generatedCaseArb = (sids: Sids, routes: CatalogRoute[], granted: CatalogRoute[]) =>
  fc
    .record({
      role: fc.constantFrom<TokenRole>(...TOKEN_ROLES),
      grantedRoute: fc.constantFrom(...granted),
      anyRoute: fc.constantFrom(...routes),
      preferGranted: fc.boolean(),
      method: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom(...METHODS) }),
      fillers: fc.array(fc.tuple(accountSidFiller, paramFiller, fc.nat(99_999), fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/)), { minLength: 6, maxLength: 6 }),
      literal: fc.constantFrom('Items', 'Actions', 'Advertisers', 'Catalogs', 'Upload'),
      mutations: fc.oneof({ weight: 1, arbitrary: fc.constant([] as Mutation[]) }, { weight: 6, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) }),
    })
    .map((g) => {
      const route = g.role === 'scoped' && g.preferGranted ? g.grantedRoute : g.anyRoute;
      let p = 0;
      const path = route.template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        const [sidFill, paramFill, n, word] = g.fillers[p++ % g.fillers.length];
        const fill = name === 'AccountSID' ? sidFill : paramFill;
        switch (fill) {
          case 'own':
            return sids.own[g.role];
          case 'other':
            return sids.other;
          case 'sibling':
            return sids.sibling;
          case 'number':
            return String(n);
          case 'word':
            return word;
          case 'literal':
            return g.literal;
          case 'empty':
            return '';
        }
      });
      const target = g.mutations.reduce(mutate, path);
      return { role: g.role, method: g.method ?? route.method, target };
    });

/** `runs` generated cases on `seedValue`: the same list every time for the same seed and SIDs. */
export function generatedCorpus(sids: Sids, granted: readonly string[], options: { seed?: number; runs?: number } = {}): Case[] {
  const routes = catalogRoutes();
  const grantedRoutes = grantedRoutesOf(granted);
  const samples = fc.sample(generatedCaseArb(sids, routes, grantedRoutes), { seed: options.seed ?? seed(), numRuns: options.runs ?? generatedRuns() });
  return samples.map((s, i) => ({ label: `generated #${i}`, ...s }));
}

/** The catalog routes of these scope ids. */
export function grantedRoutesOf(scopeIds: readonly string[]): CatalogRoute[] {
  const catalog = brandCatalog();
  return scopeIds.map((id) => {
    const scope = catalog.scopesById.get(id);
    if (!scope) throw new Error(`no scope ${id} in catalog/brand.json`);
    return { method: scope.method, template: scope.path };
  });
}
