export { SidekeyClient, SidekeyUnavailableError, createClient } from './client.js';
export type { RateLimitState, RequiredScope, SidekeyClientOptions, VerificationCode, VerificationStatus, VerifiedToken, VerifyInput, VerifyResult } from './client.js';
export { rateLimitHeaders, refusal, sidekeyMiddleware, sidekeyPreHandler } from './middleware.js';
export type { ProtectOptions, Refusal, RefusalEnvelope } from './middleware.js';
export { VERIFICATION_CODES } from '../src/domain/verification-answers.js';
