/**
 * The arrows of the source tree (`npm run check:arch`; CI runs it before the tests). Every rule is an error and
 * none lists exceptions: a change that needs one changes the structure, or this file, on purpose.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds the rules two parts share, as pure functions: it imports nothing of ours outside it.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'verify-stays-inner',
      comment: 'The hot path knows nothing of the HTTP entrances, the CLI or the composition root that use it.',
      severity: 'error',
      from: { path: '^src/verify/' },
      to: { path: '^src/(http|cli|app)/' },
    },
    {
      name: 'no-foreign-repository',
      comment: "A service asks another folder's service (a Pick<> of it), never that folder's repository.",
      severity: 'error',
      from: { path: '^src/([^/]+)/service\\.ts$' },
      to: { path: '^src/[^/]+/repository\\.ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'audit-public-face',
      comment: 'Other folders use the audit module through src/audit/index.ts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/audit/' },
      to: { path: '^src/audit/', pathNot: '^src/audit/index\\.ts$' },
    },
    {
      name: 'metrics-public-face',
      comment: 'prom-client is known to src/metrics only; the rest of the server counts through what src/metrics/index.ts hands out.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/metrics/' },
      to: { path: '(^|/)node_modules/prom-client/' },
    },
    {
      name: 'web-shares-rules-and-types-only',
      comment: 'The web UI may use the shared pure rules (src/domain) and the wire types of the management API; nothing else of the server.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/(domain/|http/management/schemas\\.ts$)' },
    },
    {
      name: 'web-wire-types-are-type-only',
      comment: 'The management schemas reach the web UI as types: no TypeBox (or server code) in the bundle.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/http/management/schemas\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-cycles',
      comment: 'Modules import in one direction: a cycle means two of them are one, or a third is missing.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|web/dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
  },
};
