/**
 * The OpenAPI document's frame: the security schemes, who must present what on each kind of route, the error
 * answers routes declare (each a reference to the one ErrorEnvelope schema), and the @fastify/swagger options
 * that turn the routes' TypeBox schemas into the document served at /api/openapi.json.
 */
import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';
import { DOCS_LOGO_SVG, FAVICON_SVG } from './brand.js';
import { Type } from 'typebox';
import { FORWARD_AUTH_STYLES } from '../domain/forward-auth.js';
import { ERROR_ENVELOPE_ID } from './management/schemas.js';
import { SESSION_COOKIE } from './management/session.js';

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input: Errors names each field',
  401: 'Not signed in, or the credentials are missing or wrong',
  403: 'Not allowed: the role, the CSRF token, the current password (a password change), or (verification) the token may not call this endpoint',
  404: 'No such account or token, or not one of yours',
  409: 'The current state does not allow it (API access off, a concurrent change)',
  413: 'The body is over the size limit',
  415: 'The body is not application/json',
  429: 'Too many attempts: see Retry-After',
  503: 'The database did not answer within its deadline: nothing changed, retry',
} as const;
export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error answers a route declares, each the shared envelope. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S, ReturnType<typeof envelopeRef>> {
  return Object.fromEntries(statuses.map((status) => [status, envelopeRef(ERROR_DESCRIPTIONS[status])])) as Record<S, ReturnType<typeof envelopeRef>>;
}
const envelopeRef = (description: string) => Type.Ref(ERROR_ENVELOPE_ID, { description });

/** What a body-reading route can additionally be answered: too large, not JSON. */
export const BODY_ERRORS = [400, 413, 415] as const;

const CSRF_HEADER = 'X-CSRF-Token';
const VERIFY_KEY_HEADER_NAME = 'X-Sidekey-Verify-Key';

const SECURITY_SCHEMES = {
  session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The web session, set by POST /api/v1/session (sign-in). A browser sends it by itself.' },
  csrf: {
    type: 'apiKey',
    in: 'header',
    name: CSRF_HEADER,
    description: "This session's CSRF token, required with the session cookie on every mutation: `csrfToken` of the sign-in answer, or GET /api/v1/session/csrf.",
  },
  apiClient: { type: 'http', scheme: 'basic', description: "An API client's Account SID (user name) and Auth Token (password), as the protected API receives them." },
  verifyKey: { type: 'apiKey', in: 'header', name: VERIFY_KEY_HEADER_NAME, description: 'The service key SIDEKEY_VERIFY_KEY, when the deployment sets one.' },
  githubKeyIdentifier: { type: 'apiKey', in: 'header', name: 'Github-Public-Key-Identifier', description: 'Leak reports: which key of LEAK_REPORT_PUBLIC_KEYS signed the body.' },
  githubSignature: { type: 'apiKey', in: 'header', name: 'Github-Public-Key-Signature', description: "Leak reports: that key's ECDSA P-256 / SHA-256 signature of the raw body, base64 DER." },
} as const;

type Requirement = Partial<Record<keyof typeof SECURITY_SCHEMES, []>>;
/** Who must present what: public routes none; signed-in reads the cookie; signed-in mutations the cookie and the CSRF header. */
export const SECURITY = {
  public: [] as Requirement[],
  signedIn: [{ session: [] }] as Requirement[],
  signedInMutation: [{ session: [], csrf: [] }] as Requirement[],
  /** POST /v1/leaks: GitHub's signature of the body, never a session. */
  leakReport: [{ githubKeyIdentifier: [], githubSignature: [] }] as Requirement[],
};
/** The verification entrances: the service key when the deployment requires one, and (forward auth) the API client's credentials. */
export const verificationSecurity = (verifyKeyRequired: boolean, apiClient: boolean): Requirement[] => {
  const requirement: Requirement = { ...(apiClient ? { apiClient: [] } : {}), ...(verifyKeyRequired ? { verifyKey: [] } : {}) };
  return Object.keys(requirement).length > 0 ? [requirement] : [];
};

const DESCRIPTION = `Self-hostable API access tokens: create, edit, duplicate, reset, upgrade, disable, delete; and the verification entrances (POST /v1/verify, forward auth at /v1/auth).

**Management API (/api/v1).** Sign in with POST /api/v1/session: the answer sets the \`${SESSION_COOKIE}\` cookie (httpOnly, SameSite=Strict) and carries \`csrfToken\`. Every mutation (POST, PATCH, DELETE) must send that token in the \`${CSRF_HEADER}\` header; GET /api/v1/session/csrf returns it again for a signed-in session (after a page reload).

**Try it out.** Sign in first, in the web UI or with POST /api/v1/session here: the browser then sends the session cookie on every request from this page. Copy \`csrfToken\` (from the sign-in answer, or from GET /api/v1/session/csrf), choose *Authorize*, and paste it into **csrf (apiKey)**: every mutation sends it as \`${CSRF_HEADER}\`.

**Verification.** POST /v1/verify answers 200 with the verdict for any well-formed question; /v1/auth answers a reverse proxy (styles: ${FORWARD_AUTH_STYLES.join(', ')}; SIDEKEY_FORWARD_AUTH) with 200 and identity headers, or a refusal. When SIDEKEY_VERIFY_KEY is set, both require it in \`${VERIFY_KEY_HEADER_NAME}\`.

**Gateway.** With UPSTREAM_URL set, the catalog's own paths (for the built-in catalog, /Advertisers/…) are verified like /v1/auth and proxied: they are the protected API's operations, not this document's.`;

/** /api/docs in Sidekey's colours, name and icons rather than the stock Swagger UI branding. */
export function swaggerUiOptions(): FastifySwaggerUiOptions {
  return {
    routePrefix: '/api/docs',
    uiConfig: { persistAuthorization: true },
    logo: { type: 'image/svg+xml', content: DOCS_LOGO_SVG, href: '/api/docs' },
    theme: {
      title: 'Sidekey API',
      favicon: [{ filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: FAVICON_SVG }],
      css: [{ filename: 'sidekey.css', content: '.swagger-ui .topbar { background-color: #312e81; } .swagger-ui .topbar-wrapper img { height: 32px; }' }],
    },
  };
}

/** The @fastify/swagger options: the document's frame, and shared schemas named by their $id. */
export function swaggerOptions(): SwaggerOptions {
  return {
    openapi: {
      info: { title: 'Sidekey API', version: '1', description: DESCRIPTION, license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' } },
      servers: [{ url: '/', description: 'this server' }],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // A body schema that admits null is an optional body: Fastify validates a request without one as null.
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const { openapiObject } = document;
      for (const operations of Object.values(openapiObject.paths ?? {})) {
        for (const operation of Object.values(operations as Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: { nullable?: boolean } }> } }>)) {
          const body = operation.requestBody;
          if (body && Object.values(body.content ?? {}).some((media) => media.schema?.nullable)) body.required = false;
        }
      }
      return openapiObject;
    },
  };
}
