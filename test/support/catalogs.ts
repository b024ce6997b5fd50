/** Small scope catalogs written to a temp file, for tests that need versions with `since`/`until`. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Versions 1-3; `retired` exists only in 1, `v2only` in 2, `added` from 2 on, the rest in every version. */
export const VERSIONED_CATALOG = {
  name: 'Versioned test API',
  versions: [
    { version: 1, releasedOn: '2024-01-01' },
    { version: 2, releasedOn: '2025-01-01' },
    { version: 3, releasedOn: '2026-01-01' },
  ],
  categories: [
    {
      name: 'Items',
      scopes: [
        { id: 'listItems', name: 'List items', method: 'GET', path: '/Accounts/{Sid}/Items' },
        { id: 'createItem', name: 'Create item', method: 'POST', path: '/Accounts/{Sid}/Items' },
        { id: 'retired', name: 'Old export', method: 'GET', path: '/Accounts/{Sid}/OldExport', until: 1 },
        { id: 'v2only', name: 'Interim report', method: 'GET', path: '/Accounts/{Sid}/Interim', since: 2, until: 2 },
        { id: 'added', name: 'New report', method: 'GET', path: '/Accounts/{Sid}/Report', since: 2 },
      ],
    },
  ],
};

export function writeCatalog(raw: unknown = VERSIONED_CATALOG): string {
  const dir = mkdtempSync(join(tmpdir(), 'sidekey-catalog-'));
  const path = join(dir, 'catalog.json');
  writeFileSync(path, JSON.stringify(raw));
  return path;
}
