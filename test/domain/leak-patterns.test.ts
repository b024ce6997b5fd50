/**
 * The secret-scanning patterns docs/leak-reports.md publishes, read from that page: the gitleaks rule and the GitHub
 * custom pattern find every generated Auth Token, in the places tokens get pasted, and no near miss; the checksum
 * script keeps only the findings that pass the CRC32. And the leak report keys and signatures (domain/leak-reports.ts).
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checksumOf, generateAccountSid, generateAuthToken, randomBase62 } from '../../src/domain/credentials.js';
import { checkReportSignature, labelOf, parsePublicKeys } from '../../src/domain/leak-reports.js';
import { ROOT } from '../support/processes.js';

const DOC = readFileSync(new URL('../../docs/leak-reports.md', import.meta.url), 'utf8');

/** The gitleaks rule's regex (Go RE2 syntax; this one means the same in JavaScript). */
function gitleaksRegex(): RegExp {
  const toml = /```toml\n([\s\S]*?)```/.exec(DOC)![1];
  return new RegExp(/^regex = '''(.*)'''$/m.exec(toml)![1], 'g');
}

/** The custom pattern's three parts from the table, as one regex whose group 1 is the secret (`\A` `\z` as `^` `$`). */
function customPatternRegex(): RegExp {
  const cell = (field: string) => new RegExp(`^\\| ${field} \\| \`(.*)\` \\|$`, 'm').exec(DOC)![1].replaceAll('\\|', '|');
  const anchors = (s: string) => s.replace('\\A', '^').replace('\\z', '$');
  return new RegExp(`(?:${anchors(cell('Before secret'))})(${cell('Secret format')})(?=${anchors(cell('After secret'))})`, 'gm');
}

const findAll = (pattern: RegExp, text: string) => [...text.matchAll(pattern)].map((m) => m[1]);

describe('the published secret-scanning patterns', () => {
  const tokens = Array.from({ length: 200 }, generateAuthToken);
  const placements = (t: string) => [t, `SIDEKEY_AUTH_TOKEN=${t}`, `"authToken": "${t}"`, `password: '${t}'\n`, `curl -u IRxyz:${t} https://api`, `<td>${t}</td>`, `${t}\nnext line`];
  const nearMisses = (t: string) => [
    t.slice(0, -1), // 35 characters after the prefix
    `${t}Q`, // 37
    `${t}_suffix`, // glued to a longer identifier
    `SKT_${t.slice(4)}`,
    `skt-${t.slice(4)}`,
    `xskt_${t.slice(4)}`,
    `my_skt_${t.slice(4)}`,
    `${t.slice(0, 20)}-${t.slice(21)}`,
    `skt_${randomBase62(20)}`,
  ];

  for (const [name, pattern] of [['gitleaks rule', gitleaksRegex], ['GitHub custom pattern', customPatternRegex]] as const) {
    it(`the ${name} finds every token wherever it is pasted, and captures exactly the token`, () => {
      for (const t of tokens) for (const text of placements(t)) expect(findAll(pattern(), text), text).toEqual([t]);
      expect(findAll(pattern(), tokens.join('\n'))).toEqual(tokens);
    });
    it(`the ${name} finds no near miss`, () => {
      for (const t of tokens.slice(0, 50)) for (const text of nearMisses(t)) expect(findAll(pattern(), text), text).toEqual([]);
      expect(findAll(pattern(), generateAccountSid('IR'))).toEqual([]);
    });
  }

  it('the checksum script keeps only the findings that are well-formed Auth Tokens, and never prints a secret', () => {
    const real = generateAuthToken();
    const body = `skt_${'x'.repeat(30)}`;
    const placeholder = `skt_${'x'.repeat(36)}`;
    const wrongChecksum = `${real.slice(0, -6)}${checksumOf(body)}`;
    const finding = (secret: string, line: number) => ({ RuleID: 'sidekey-auth-token', File: 'config.env', StartLine: line, Secret: secret, Match: secret });
    const run = (input: string) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/skt-checksum.ts'], { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
    const found = run(JSON.stringify([finding(placeholder, 1), finding(real, 2), finding(wrongChecksum, 3)]));
    expect({ status: found.status, stdout: found.stdout }).toEqual({ status: 1, stdout: 'config.env:2 sidekey-auth-token\n' });
    expect(found.stdout + found.stderr).not.toContain('skt_');
    expect(run(JSON.stringify([finding(placeholder, 1)]))).toMatchObject({ status: 0, stdout: '' });
    expect(run('not json').status).toBe(2);
  });
});

describe('leak report keys and signatures', () => {
  const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = (key: ReturnType<typeof pair>['publicKey']) => key.export({ type: 'spki', format: 'pem' }).toString();

  it("reads GitHub's public-keys document, and refuses anything that is not a list of P-256 keys", () => {
    const { publicKey } = pair();
    const keys = parsePublicKeys({ public_keys: [{ key_identifier: 'k1', key: pem(publicKey), is_current: true }] });
    expect(Array.isArray(keys) && keys.map((k) => k.keyIdentifier)).toEqual(['k1']);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    expect(parsePublicKeys({})).toMatch(/non-empty "public_keys"/);
    expect(parsePublicKeys({ public_keys: [] })).toMatch(/non-empty/);
    expect(parsePublicKeys({ public_keys: [{ key: pem(publicKey) }] })).toMatch(/public_keys\[0\] needs a "key_identifier"/);
    expect(parsePublicKeys({ public_keys: [{ key_identifier: 'k', key: 'not a key' }] })).toMatch(/not a PEM public key/);
    expect(parsePublicKeys({ public_keys: [{ key_identifier: 'k', key: pem(rsa) }] })).toMatch(/not an ECDSA P-256 key/);
    expect(parsePublicKeys({ public_keys: [{ key_identifier: 'k', key: pem(p384) }] })).toMatch(/not an ECDSA P-256 key/);
  });

  it('a signature is valid only by the named key, over exactly these bytes', () => {
    const github = pair();
    const other = pair();
    const keys = parsePublicKeys({ public_keys: [{ key_identifier: 'github', key: pem(github.publicKey) }, { key_identifier: 'other', key: pem(other.publicKey) }] });
    if (typeof keys === 'string') throw new Error(keys);
    const body = Buffer.from('[{"token":"skt_x","type":"t","url":"","source":"commit"}]');
    const signature = sign('sha256', body, { key: github.privateKey, dsaEncoding: 'der' }).toString('base64');
    expect(checkReportSignature(keys, 'github', signature, body)).toBe('valid');
    expect(checkReportSignature(keys, 'other', signature, body)).toBe('bad_signature');
    expect(checkReportSignature(keys, 'github', signature, Buffer.concat([body, Buffer.from(' ')]))).toBe('bad_signature');
    expect(checkReportSignature(keys, 'github', 'AAAA', body)).toBe('bad_signature');
    expect(checkReportSignature(keys, 'github', '', body)).toBe('missing');
    expect(checkReportSignature(keys, undefined, signature, body)).toBe('missing');
    expect(checkReportSignature(keys, 'nobody', signature, body)).toBe('unknown_key');
    expect(checkReportSignature([], 'github', signature, body)).toBe('unknown_key');
  });

  it('labels: a real credential, enabled or not, is true_positive; anything else false_positive', () => {
    expect(labelOf({ kind: 'recorded', action: 'disabled' })).toBe('true_positive');
    expect(labelOf({ kind: 'recorded', action: 'already_disabled' })).toBe('true_positive');
    expect(labelOf({ kind: 'repeated' })).toBe('true_positive');
    expect(labelOf({ kind: 'unknown' })).toBe('false_positive');
  });
});
