/** The management API for leak reports' exposures: a token's (its page's banner) and an account's latest (the token list's marker). */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Exposure, TokenService } from '../../tokens/service.js';
import { SECURITY, errorResponses } from '../openapi.js';
import { iso } from './dto.js';
import { ExposureList, type ExposureDto } from './exposure-schemas.js';
import { requireUser } from './session.js';

const read = { tags: ['tokens'], security: SECURITY.signedIn };
const readErrors = errorResponses(400, 401, 403, 404, 503);
const AccountParams = Type.Object({ accountId: Type.String({ maxLength: 64 }) });
const TokenParams = Type.Object({ accountId: Type.String({ maxLength: 64 }), tokenId: Type.String({ maxLength: 64 }) });

const toExposureDto = (e: Exposure): ExposureDto => ({ ...e, reportedAt: iso(e.reportedAt) });

export const exposureRoutes: FastifyPluginAsyncTypebox<{ tokens: Pick<TokenService, 'exposures' | 'accountExposures'> }> = async (plain, { tokens }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireUser);
  app.get('/accounts/:accountId/tokens/:tokenId/exposures', { schema: { ...read, operationId: 'listTokenExposures', summary: "Where the token's secret was reported leaked, and what Sidekey did: newest first", params: TokenParams, response: { 200: ExposureList, ...readErrors } } }, async (req) => ({
    items: (await tokens.exposures(req.actor!, req.params.accountId, req.params.tokenId)).map(toExposureDto),
  }));
  app.get('/accounts/:accountId/exposures', { schema: { ...read, operationId: 'listAccountExposures', summary: "The account's latest exposures (up to 100), newest first", params: AccountParams, response: { 200: ExposureList, ...readErrors } } }, async (req) => ({
    items: (await tokens.accountExposures(req.actor!, req.params.accountId)).map(toExposureDto),
  }));
};
