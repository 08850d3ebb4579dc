// Imports a TypeScript module of the project from a plain Node script:
// esbuild (a dev dependency) bundles it with its spec/ and machines/ imports
// into dist/<name>.mjs, leaving npm packages external so they resolve from
// node_modules as usual.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function importTs(entry, name) {
  const outfile = join(root, 'dist', `${name}.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}
