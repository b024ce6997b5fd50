/**
 * The CRC32 check gitleaks cannot do (docs/leak-reports.md): reads a gitleaks JSON report on standard input and
 * prints, one per line, the findings whose secret is a well-formed Auth Token (format and checksum, exactly
 * Sidekey's own check) as `file:line rule`; never the secret. Exits 1 when any is found, 0 when none, 2 when the
 * input is not a gitleaks JSON report.
 */
import { readFileSync } from 'node:fs';
import { isWellFormedAuthToken } from '../src/domain/credentials.js';

interface Finding {
  Secret?: unknown;
  File?: unknown;
  StartLine?: unknown;
  RuleID?: unknown;
}

let findings: Finding[];
try {
  findings = JSON.parse(readFileSync(0, 'utf8'));
  if (!Array.isArray(findings)) throw new Error('not a list');
} catch {
  console.error('usage: npm run --silent check:skt-checksum < gitleaks-report.json (gitleaks detect --report-format json)');
  process.exit(2);
}
const real = findings.filter((f) => typeof f.Secret === 'string' && isWellFormedAuthToken(f.Secret));
for (const f of real) console.log(`${String(f.File)}:${String(f.StartLine)} ${String(f.RuleID)}`);
process.exit(real.length > 0 ? 1 : 0);
