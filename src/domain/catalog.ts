/**
 * The scope catalog is data (catalog/*.json), not code: per category, the endpoints a token can be granted,
 * each with a stable id and the API versions it exists in. This module validates it and compiles
 * into the route table of domain/routes.ts.
 */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

export interface Scope {
  id: string;
  name: string;
  method: HttpMethod;
  path: string;
  category: string;
  since?: number;
  until?: number;
  /** A stricter limit for this endpoint on top of the token's own (impact.com: ReportExport 100/day). */
  rateLimit?: RateLimitRule;
}

export interface ApiVersion {
  version: number;
  releasedOn: string;
}

export interface Catalog {
  name: string;
  versions: ApiVersion[];
  latestVersion: number;
  defaultRateLimit: RateLimitRule;
  categories: { name: string; host?: string; scopes: Scope[] }[];
  scopesById: Map<string, Scope>;
}

export function isScopeInVersion(scope: Scope, version: number): boolean {
  return (scope.since === undefined || version >= scope.since) && (scope.until === undefined || version <= scope.until);
}

export function isSupportedVersion(catalog: Catalog, version: number): boolean {
  return catalog.versions.some((v) => v.version === version);
}

/** Reads the raw JSON shape and fails loudly (with the offending place) on anything a deployment got wrong. */
export function parseCatalog(raw: unknown): Catalog {
  const problems: string[] = [];
  const obj = raw as Record<string, any>;
  if (!obj || typeof obj !== 'object') throw new Error('catalog: expected a JSON object');
  const versions: ApiVersion[] = Array.isArray(obj.versions) ? obj.versions : [];
  if (versions.length === 0) problems.push('versions: at least one version is required');
  for (const v of versions) {
    if (!Number.isInteger(v.version) || v.version <= 0) problems.push(`versions: bad version ${JSON.stringify(v.version)}`);
    if (typeof v.releasedOn !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v.releasedOn)) problems.push(`versions[${v.version}]: releasedOn must be YYYY-MM-DD`);
  }
  const sortedVersions = [...versions].sort((a, b) => a.version - b.version).map((v) => ({ version: v.version, releasedOn: v.releasedOn }));
  const defaultRateLimit: RateLimitRule = obj.defaultRateLimit ?? { limit: 1000, windowSeconds: 3600 };
  checkRule(defaultRateLimit, 'defaultRateLimit', problems);
  const scopesById = new Map<string, Scope>();
  const categories: Catalog['categories'] = [];
  for (const [ci, cat] of (Array.isArray(obj.categories) ? obj.categories : []).entries()) {
    const where = `categories[${ci}]`;
    if (typeof cat?.name !== 'string' || cat.name.length === 0) problems.push(`${where}: name is required`);
    if (cat?.rateLimit) checkRule(cat.rateLimit, `${where}.rateLimit`, problems);
    const scopes: Scope[] = [];
    for (const [si, s] of (Array.isArray(cat?.scopes) ? cat.scopes : []).entries()) {
      const at = `${where}.scopes[${si}]`;
      if (typeof s.id !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(s.id)) problems.push(`${at}: id must be 1-100 of [A-Za-z0-9_.:-]`);
      else if (scopesById.has(s.id)) problems.push(`${at}: duplicate id "${s.id}"`);
      if (!HTTP_METHODS.includes(s.method)) problems.push(`${at}: method must be one of ${HTTP_METHODS.join(', ')}`);
      if (typeof s.path !== 'string' || !s.path.startsWith('/')) problems.push(`${at}: path must start with /`);
      if (typeof s.name !== 'string' || s.name.length === 0) problems.push(`${at}: name is required`);
      for (const bound of ['since', 'until'] as const) {
        if (s[bound] !== undefined && !versions.some((v) => v.version === s[bound])) problems.push(`${at}: ${bound} ${s[bound]} is not a listed version`);
      }
      if (s.rateLimit) checkRule(s.rateLimit, `${at}.rateLimit`, problems);
      const scope: Scope = {
        id: s.id,
        name: s.name,
        method: s.method,
        path: s.path,
        category: cat.name,
        ...(s.since !== undefined ? { since: s.since } : {}),
        ...(s.until !== undefined ? { until: s.until } : {}),
        ...((s.rateLimit ?? cat.rateLimit) ? { rateLimit: s.rateLimit ?? cat.rateLimit } : {}),
      };
      scopes.push(scope);
      scopesById.set(scope.id, scope);
    }
    categories.push({ name: cat?.name, ...(cat?.host ? { host: cat.host } : {}), scopes });
  }
  if (scopesById.size === 0) problems.push('categories: at least one scope is required');
  if (problems.length > 0) throw new Error(`catalog is invalid:\n  ${problems.join('\n  ')}`);
  return {
    name: typeof obj.name === 'string' ? obj.name : 'API',
    versions: sortedVersions,
    latestVersion: sortedVersions[sortedVersions.length - 1].version,
    defaultRateLimit,
    categories,
    scopesById,
  };
}

function checkRule(rule: RateLimitRule, where: string, problems: string[]): void {
  if (!Number.isInteger(rule?.limit) || rule.limit <= 0 || !Number.isInteger(rule?.windowSeconds) || rule.windowSeconds <= 0) {
    problems.push(`${where}: needs positive integers limit and windowSeconds`);
  }
}

/** Scope ids among `ids` that do not exist in `version`; used by create/edit validation and by upgrade. */
export function scopesMissingInVersion(catalog: Catalog, ids: readonly string[], version: number): string[] {
  return ids.filter((id) => {
    const scope = catalog.scopesById.get(id);
    return !scope || !isScopeInVersion(scope, version);
  });
}

/** A path template's segments (`/Advertisers/{AccountSID}/Actions` → Advertisers, {AccountSID}, Actions). */
export function splitPath(path: string): string[] {
  const q = path.indexOf('?');
  const bare = q >= 0 ? path.slice(0, q) : path;
  return bare.split('/').filter((s) => s.length > 0);
}

/** The wire shape of GET /api/v1/catalog. */
export function describeCatalog(catalog: Catalog) {
  return {
    name: catalog.name,
    versions: catalog.versions.map((v) => ({ ...v, latest: v.version === catalog.latestVersion })),
    categories: catalog.categories.map((c) => ({
      name: c.name,
      scopes: c.scopes.map((s) => ({
        id: s.id,
        name: s.name,
        method: s.method,
        path: s.path,
        ...(s.since !== undefined ? { since: s.since } : {}),
        ...(s.until !== undefined ? { until: s.until } : {}),
      })),
    })),
  };
}
