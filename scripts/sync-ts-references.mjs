#!/usr/bin/env node
// Writes each workspace package's tsconfig.json "references" from the @upshift/* packages it
// depends on (dependencies, peerDependencies and devDependencies), so `tsc -b` builds them
// first and resolves their source through their declaration output.
// Usage: node scripts/sync-ts-references.mjs [--check]
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const dirs = ['packages', 'apps', 'tools'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, group, d.name, 'package.json')))
        .map((d) => join(root, group, d.name))
    : [],
).concat(existsSync(join(root, 'examples', 'package.json')) ? [join(root, 'examples')] : []);
const byName = new Map(dirs.map((dir) => [JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name, dir]));

let stale = 0;
for (const dir of dirs) {
  const tsconfigPath = join(dir, 'tsconfig.json');
  if (!existsSync(tsconfigPath)) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const names = new Set(
    ['dependencies', 'peerDependencies', 'devDependencies'].flatMap((k) => Object.keys(pkg[k] ?? {})),
  );
  const references = [...names]
    .filter((n) => byName.has(n) && n !== pkg.name)
    .sort()
    .map((n) => ({ path: relative(dir, byName.get(n)) }));
  const before = readFileSync(tsconfigPath, 'utf8');
  const tsconfig = JSON.parse(before);
  tsconfig.references = references;
  const after = JSON.stringify(tsconfig, null, 2) + '\n';
  if (after !== before) {
    stale++;
    if (check) console.error(`stale references: ${relative(root, tsconfigPath)}`);
    else writeFileSync(tsconfigPath, after);
  }
}
if (check && stale > 0) {
  console.error('run `npm run sync-refs` to update tsconfig references');
  process.exit(1);
}
