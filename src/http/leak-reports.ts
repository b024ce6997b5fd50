/**
 * POST /v1/leaks: GitHub's secret-scanning partner program reports Auth Tokens found in public code here
 * (docs/leak-reports.md). The route is for GitHub, not for a session: no cookie or CSRF token is read, and a report
 * is believed only when its raw body carries a valid ECDSA signature by a key LEAK_REPORT_PUBLIC_KEYS lists. The
 * signature is checked in this plugin's own body parser, on the bytes received, before they are parsed as JSON;
 * anything unsigned is refused with 401 before its content is looked at.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SidekeyError } from '../domain/errors.js';
import { KEY_ID_HEADER, type LeakLabelEntry, type LeakReportKey, SIGNATURE_HEADER, checkReportSignature, labelOf } from '../domain/leak-reports.js';
import type { TokenService } from '../tokens/service.js';
import { firstHeaderValue } from './client-address.js';
import { rejectUnsafeInput } from './errors.js';
import { BODY_ERRORS, SECURITY, errorResponses } from './openapi.js';

const LEAKS_PATH = '/v1/leaks';

/** The reporter every exposure recorded through this route names. */
const REPORTER = 'github';

const LeakReportBody = Type.Array(
  Type.Object({
    token: Type.String({ maxLength: 1024, description: 'the string that matched the pattern' }),
    type: Type.String({ maxLength: 128, description: "the pattern's name, as registered with GitHub" }),
    url: Type.String({ maxLength: 2048, description: 'where it was found (may be empty)' }),
    source: Type.String({ maxLength: 64, description: 'what kind of place: commit, issue_comment, gist, npm…' }),
  }),
  { maxItems: 1000, description: "GitHub's secret-scanning partner payload" },
);

const LeakLabels = Type.Array(
  Type.Object({
    token_raw: Type.String(),
    token_type: Type.String(),
    label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]),
  }),
  { description: 'one entry per reported match: true_positive for an Auth Token of this Sidekey (disabled now, if it was enabled), false_positive for anything else' },
);

const REFUSALS = {
  missing: { field: 'Github-Public-Key-Signature', message: 'and Github-Public-Key-Identifier are required' },
  unknown_key: { field: 'Github-Public-Key-Identifier', message: 'is not a key LEAK_REPORT_PUBLIC_KEYS lists' },
  bad_signature: { field: 'Github-Public-Key-Signature', message: 'is not a valid signature of the body by that key' },
} as const;

export interface LeakReportDeps {
  tokens: Pick<TokenService, 'reportExposure'>;
  keys: readonly LeakReportKey[];
}

export function leakReportRoutes({ tokens, keys }: LeakReportDeps) {
  return async (plain: FastifyInstance) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    // This plugin's own JSON parser: the raw bytes are what GitHub signed, so they are verified before parsing.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
      const check = checkReportSignature(keys, firstHeaderValue(request.headers[KEY_ID_HEADER]), firstHeaderValue(request.headers[SIGNATURE_HEADER]), body);
      if (check !== 'valid') {
        const message = keys.length === 0 ? 'This server accepts no leak reports: LEAK_REPORT_PUBLIC_KEYS is unset.' : 'The leak report is not signed by a key this server trusts.';
        return done(new SidekeyError('LEAK_REPORT_SIGNATURE_INVALID', message, [REFUSALS[check]]), undefined);
      }
      parseJson(request, body.toString('utf8'), done);
    });
    app.addHook('preValidation', rejectUnsafeInput);
    app.post(
      LEAKS_PATH,
      {
        schema: {
          tags: ['leak reports'],
          operationId: 'reportLeaks',
          summary: "Report leaked Auth Tokens (GitHub secret scanning): each real one is disabled and its exposure recorded",
          description: 'Signed by GitHub: Github-Public-Key-Identifier names a key of LEAK_REPORT_PUBLIC_KEYS and Github-Public-Key-Signature is its ECDSA P-256 / SHA-256 signature (base64 DER) of the raw body. A repeated report changes nothing.',
          security: SECURITY.leakReport,
          body: LeakReportBody,
          response: { 200: LeakLabels, ...errorResponses(401, 503, ...BODY_ERRORS) },
        },
      },
      async (request) => {
        const answers: LeakLabelEntry[] = [];
        for (const item of request.body) {
          const outcome = await tokens.reportExposure(item.token, { reporter: REPORTER, reportType: item.type, source: item.source, url: item.url });
          answers.push({ token_raw: item.token, token_type: item.type, label: labelOf(outcome) });
        }
        return answers;
      },
    );
  };
}
