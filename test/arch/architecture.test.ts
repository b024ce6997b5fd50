/**
 * The architecture check (`npm run check:arch`, .dependency-cruiser.cjs) holds on the source tree, and fails on
 * each kind of violation: a scratch tree with one wrong import per rule makes it exit non-zero naming every rule.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const SLOW = 120_000;

function depcruise(cwd: string, paths: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEPCRUISE, ...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, timeout: 100_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

/** Each file of the scratch tree: path → source. Every one but the targets breaks exactly one rule. */
const VIOLATIONS: Record<string, string> = {
  'src/http/app.ts': 'export const app = 1;\n',
  'src/store/database.ts': 'export const db = 1;\n',
  'src/accounts/repository.ts': 'export const findAccount = 1;\n',
  'src/audit/index.ts': "export { record } from './audit-log.js';\n",
  'src/audit/audit-log.ts': 'export const record = 1;\n',
  'src/http/management/schemas.ts': 'export type TokenDto = { id: string };\nexport const TokenSchema = {};\n',
  // verify-stays-inner
  'src/verify/verifier.ts': "import { app } from '../http/app.js';\nexport const verifier = app;\n",
  // domain-is-pure
  'src/domain/token.ts': "import { db } from '../store/database.js';\nexport const token = db;\n",
  // no-foreign-repository
  'src/tokens/service.ts': "import { findAccount } from '../accounts/repository.js';\nexport const service = findAccount;\n",
  // audit-public-face
  'src/accounts/service.ts': "import { record } from '../audit/audit-log.js';\nexport const accounts = record;\n",
  // web-shares-rules-and-types-only
  'web/src/page.ts': "import type { TokenDto } from '../../src/http/management/schemas.js';\nimport { findAccount } from '../../src/accounts/repository.js';\nexport const page: TokenDto | number = findAccount;\n",
  // web-wire-types-are-type-only
  'web/src/form.ts': "import { TokenSchema } from '../../src/http/management/schemas.js';\nexport const form = TokenSchema;\n",
  // no-cycles
  'src/changes/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
  'src/changes/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
};

describe('the architecture check', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'sidekey-arch-'));
    copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(scratch, '.dependency-cruiser.cjs'));
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    for (const [path, source] of Object.entries(VIOLATIONS)) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), source);
    }
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes on the source tree as it is', async () => {
    const result = await depcruise(ROOT, ['src', 'web/src']);
    expect(result.output).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  }, SLOW);

  it('fails, naming the rule, on each forbidden import', async () => {
    const result = await depcruise(scratch, ['src', 'web/src']);
    expect(result.code).not.toBe(0);
    const broken = (rule: string) => new RegExp(`error ${rule}: (\\S+) → (\\S+)`).exec(result.output)?.slice(1);
    expect(broken('verify-stays-inner')).toEqual(['src/verify/verifier.ts', 'src/http/app.ts']);
    expect(broken('domain-is-pure')).toEqual(['src/domain/token.ts', 'src/store/database.ts']);
    expect(broken('no-foreign-repository')).toEqual(['src/tokens/service.ts', 'src/accounts/repository.ts']);
    expect(broken('audit-public-face')).toEqual(['src/accounts/service.ts', 'src/audit/audit-log.ts']);
    expect(broken('web-shares-rules-and-types-only')).toEqual(['web/src/page.ts', 'src/accounts/repository.ts']);
    expect(broken('web-wire-types-are-type-only')).toEqual(['web/src/form.ts', 'src/http/management/schemas.ts']);
    expect(result.output).toMatch(/error no-cycles: src\/changes\/[ab]\.ts →/);
  }, SLOW);
});
