// build.mjs DEST — bundles entry.mjs into DEST/codemirror.js and writes
// DEST/LICENSES.txt (run by scripts/build-editor; node, from the repository
// root, with the packages of package-lock.json installed).
import { build } from 'esbuild';
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dest = process.argv[2];
if (!dest) throw new Error('usage: node web/editor/build.mjs DEST');

const result = await build({
  entryPoints: [join(here, 'entry.mjs')],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  legalComments: 'none', // the licences are in LICENSES.txt
  metafile: true,
  write: false,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs);
// Every package whose code is in the bundle, by its package.json.
const pkgs = new Map();
for (const input of inputs) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!m) continue;
  const dir = join(root, 'node_modules', m[1]);
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  pkgs.set(meta.name, { version: meta.version, license: meta.license, dir });
}
const names = [...pkgs.keys()].sort();
const header = `/* CodeMirror 6 for Codefights, bundled by scripts/build-editor from web/editor/entry.mjs.\n` +
  ` * Packages (MIT; licence texts in LICENSES.txt beside this file):\n` +
  names.map((n) => ` *   ${n}@${pkgs.get(n).version}`).join('\n') + `\n */\n`;
writeFileSync(join(dest, 'codemirror.js'), header + result.outputFiles[0].text);

let text = 'The code editor bundle (codemirror.js) contains these npm packages.\n';
for (const n of names) {
  const p = pkgs.get(n);
  const file = readdirSync(p.dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
  text += `\n==== ${n}@${p.version} (${p.license}) ====\n\n`;
  text += file && existsSync(join(p.dir, file)) ? readFileSync(join(p.dir, file), 'utf8').trim() + '\n' : `(no licence file in the package; package.json says ${p.license})\n`;
}
writeFileSync(join(dest, 'LICENSES.txt'), text);
const bad = names.filter((n) => pkgs.get(n).license !== 'MIT');
if (bad.length) throw new Error(`not MIT: ${bad.join(', ')}`);
console.log(`codemirror.js: ${names.length} packages, ${result.outputFiles[0].contents.length} bytes`);
