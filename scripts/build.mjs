#!/usr/bin/env node
/**
 * `npm run build [-- OUT_DIR]`: compile the server and CLI (src/, tests excluded) to OUT_DIR (default dist/)
 * with tsc and tsconfig.build.json. The folder is emptied first, so a moved or deleted source leaves no
 * module behind, and nothing is written when the code does not type-check (noEmitOnError).
 *
 * dist/ mirrors src/, so the files found relative to the code (catalog/brand.json, web/dist) are found from
 * either; an OUT_DIR elsewhere needs catalog/, web/dist, package.json and node_modules beside it.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILDS, ROOT } from './builds.mjs';

const outDir = resolve(process.argv[2] ?? join(ROOT, 'dist'));
rmSync(outDir, { recursive: true, force: true });
const result = spawnSync(process.execPath, [BUILDS.server.tool, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
process.exit(result.status ?? 1);
