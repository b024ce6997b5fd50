/**
 * GitHub's side of the secret-scanning partner program, for tests: a fresh ECDSA P-256 key pair, the public-keys
 * document a deployment is configured with (the shape of GitHub's /meta/public_keys/secret_scanning), and reports
 * signed over their exact bytes as GitHub signs them.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface LeakItem {
  token: string;
  type: string;
  url: string;
  source: string;
}

export class GitHubReporter {
  readonly keyIdentifier: string;
  private readonly privateKey: KeyObject;
  readonly publicKeyPem: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = privateKey;
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyIdentifier = createHash('sha256').update(this.publicKeyPem).digest('hex');
  }

  /** The LEAK_REPORT_PUBLIC_KEYS document naming this reporter's key (and any `others`). */
  publicKeys(...others: GitHubReporter[]): string {
    return JSON.stringify({ public_keys: [this, ...others].map((r) => ({ key_identifier: r.keyIdentifier, key: r.publicKeyPem, is_current: true })) });
  }

  /** The base64 DER ECDSA signature of `body`. */
  signature(body: string | Buffer): string {
    return sign('sha256', Buffer.from(body), { key: this.privateKey, dsaEncoding: 'der' }).toString('base64');
  }

  /** A report's headers, as GitHub sends them with `body`. */
  headers(body: string): Record<string, string> {
    return { 'content-type': 'application/json', 'github-public-key-identifier': this.keyIdentifier, 'github-public-key-signature': this.signature(body) };
  }
}

/** One match as GitHub reports it, found in a commit of a public repository. */
export const leak = (token: string, url = 'https://github.com/octo-org/octo-repo/blob/abc123/config.env#L3'): LeakItem => ({ token, type: 'sidekey_auth_token', url, source: 'commit' });
