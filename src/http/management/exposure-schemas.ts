/** The wire shape of a token's exposures (leak reports, docs/leak-reports.md): validation, OpenAPI and the web UI's types. */
import { Type, type Static } from 'typebox';
import { EXPOSURE_ACTIONS } from '../../domain/leak-reports.js';

const ExposureSchema = Type.Object({
  id: Type.String(),
  tokenId: Type.String(),
  reporter: Type.String({ description: 'who reported it: github (secret scanning)' }),
  reportType: Type.String({ description: "the reporter's name for the pattern that matched" }),
  source: Type.String({ description: 'what kind of place it was found in: commit, issue_comment, gist, npm…' }),
  url: Type.String({ description: 'where it was found (may be empty)' }),
  reportedAt: Type.String({ format: 'date-time', description: 'ISO 8601, UTC' }),
  action: Type.Enum([...EXPOSURE_ACTIONS], { description: 'disabled: the report disabled the token; already_disabled: it was disabled before; canary_kept: a canary token, left armed (it authenticates nothing)' }),
});
export const ExposureList = Type.Object({ items: Type.Array(ExposureSchema) });

export type ExposureDto = Static<typeof ExposureSchema>;
