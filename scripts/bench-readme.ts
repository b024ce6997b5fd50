/**
 * `npm run bench:readme`: README.md's figures block (between <!-- bench:start --> and <!-- bench:end -->)
 * rewritten from bench/results/latest.json, the last `npm run bench` run. Nothing else in README changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LATEST, parseReport, renderReadmeBlock, replaceReadmeBlock } from '../bench/report.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

const report = parseReport(readFileSync(LATEST, 'utf8'));
writeFileSync(README, replaceReadmeBlock(readFileSync(README, 'utf8'), renderReadmeBlock(report)));
process.stdout.write(`README.md: figures of the run at ${report.startedAt} (${report.figures.length} figures)\n`);
