import { describe, expect, it } from 'vitest';
import type { CatalogDto } from '../../../src/http/management/schemas.js';
import { categoriesInVersion, diffScopes, droppedOnUpgrade, latestVersion, measureBreadth, newerVersions, scopeMatches } from './scopes.js';

const catalog: CatalogDto = {
  name: 'Test API',
  versions: [
    { version: 11, releasedOn: '2022-01-01', latest: false },
    { version: 12, releasedOn: '2023-01-01', latest: false },
    { version: 13, releasedOn: '2024-01-01', latest: true },
  ],
  categories: [
    {
      name: 'Actions',
      scopes: [
        { id: 'listActions', name: 'Retrieve actions', method: 'GET', path: '/Actions' },
        { id: 'updateAction', name: 'Update action', method: 'PUT', path: '/Actions/{Id}' },
        { id: 'reverseAction', name: 'Reverse action', method: 'DELETE', path: '/Actions/{Id}' },
        { id: 'legacyExport', name: 'Export actions (old)', method: 'GET', path: '/Actions/Export', until: 12 },
      ],
    },
    { name: 'Lists', scopes: [{ id: 'createList', name: 'Create list', method: 'POST', path: '/Lists', since: 13 }] },
  ],
};

describe('scope catalog helpers', () => {
  it('knows the latest version and the ones a token may move to', () => {
    expect(latestVersion(catalog)).toBe(13);
    expect(newerVersions(catalog, 11)).toEqual([12, 13]);
    expect(newerVersions(catalog, 13)).toEqual([]);
  });

  it('shows each version only the scopes that exist in it, dropping empty categories', () => {
    expect(categoriesInVersion(catalog, 11).map((c) => [c.name, c.scopes.map((s) => s.id)])).toEqual([
      ['Actions', ['listActions', 'updateAction', 'reverseAction', 'legacyExport']],
    ]);
    expect(categoriesInVersion(catalog, 13).flatMap((c) => c.scopes.map((s) => s.id))).toEqual(['listActions', 'updateAction', 'reverseAction', 'createList']);
  });

  it('lists the scopes an upgrade would drop, unknown ids included', () => {
    expect(droppedOnUpgrade(catalog, ['listActions', 'legacyExport', 'gone'], 13)).toEqual(['legacyExport', 'gone']);
    expect(droppedOnUpgrade(catalog, ['listActions', 'legacyExport'], 12)).toEqual([]);
  });

  it('diffs an edit into added and removed scopes', () => {
    expect(diffScopes(['a', 'b'], ['b', 'c'])).toEqual({ added: ['c'], removed: ['a'] });
  });

  it('counts writes and deletes and flags tokens that reach more than half of the API', () => {
    expect(measureBreadth(catalog, 13, ['listActions'])).toMatchObject({ selected: 1, available: 4, writes: 0, deletes: 0, broad: false });
    expect(measureBreadth(catalog, 13, ['listActions', 'updateAction', 'reverseAction'])).toMatchObject({ writes: 2, deletes: 1, broad: true });
  });

  it('searches names, paths, methods and ids without regard to case', () => {
    const scope = catalog.categories[0].scopes[1];
    expect(['update', '/actions/', 'put', 'UPDATEACTION', ''].map((q) => scopeMatches(scope, q))).toEqual([true, true, true, true, true]);
    expect(scopeMatches(scope, 'delete')).toBe(false);
  });
});
