export { SidekeyClient, SidekeyUnavailableError, createClient } from './client.js';
export type { RateLimitState, SidekeyClientOptions, VerificationCode, VerifiedToken, VerifyInput, VerifyResult } from './client.js';
export { refusal, rateLimitHeaders, sidekeyMiddleware, sidekeyPreHandler } from './middleware.js';
export type { Answer, ProtectOptions } from './middleware.js';
