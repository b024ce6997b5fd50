/** The token_exposures queries: leak reports of a token's secret (docs/leak-reports.md). */
import type { Executor } from '../store/database.js';
import type { TokenExposuresTable } from '../store/schema.js';
import type { ExposureAction } from '../domain/leak-reports.js';

/** One exposure as the service hands it out: never the secret's hash. */
export interface Exposure {
  id: string;
  tokenId: string;
  reporter: string;
  reportType: string;
  source: string;
  url: string;
  reportedAt: number;
  action: ExposureAction;
}

const toExposure = (row: TokenExposuresTable): Exposure => ({
  id: row.id,
  tokenId: row.token_id,
  reporter: row.reporter,
  reportType: row.report_type,
  source: row.source,
  url: row.url,
  reportedAt: Number(row.reported_at),
  action: row.action as ExposureAction,
});

/** Whether this secret of this token was reported at this URL before. */
export async function exposureExists(db: Executor, tokenId: string, secretHash: string, url: string): Promise<boolean> {
  return (await db.selectFrom('token_exposures').select('id').where('token_id', '=', tokenId).where('secret_hash', '=', secretHash).where('url', '=', url).executeTakeFirst()) !== undefined;
}

export async function insertExposure(db: Executor, row: TokenExposuresTable): Promise<void> {
  await db.insertInto('token_exposures').values(row).execute();
}

/** A token's exposures, newest first. */
export async function tokenExposures(db: Executor, accountId: string, tokenId: string, limit: number): Promise<Exposure[]> {
  const rows = await db.selectFrom('token_exposures').selectAll().where('account_id', '=', accountId).where('token_id', '=', tokenId).orderBy('reported_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toExposure);
}

/** An account's most recent exposures, newest first (the token list marks the tokens they name). */
export async function accountExposures(db: Executor, accountId: string, limit: number): Promise<Exposure[]> {
  const rows = await db.selectFrom('token_exposures').selectAll().where('account_id', '=', accountId).orderBy('reported_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toExposure);
}
