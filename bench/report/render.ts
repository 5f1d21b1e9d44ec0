/**
 * Re-render bench/results/results.md from results.json without measuring
 * again: `node .bench-dist/bench/report/render.js [dir]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown, type BenchResults } from './markdown.js';
import { checkTargets } from './targets.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const dir = resolve(root, process.argv[2] ?? 'bench/results');
const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as BenchResults;
results.targets = checkTargets(results.http, results.stores, results.overhead);
const markdown = renderMarkdown(results);
writeFileSync(join(dir, 'results.md'), markdown);
console.log(markdown);
