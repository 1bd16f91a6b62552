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

// One change to the packages' code. style-mod (CodeMirror's styles) puts
// them in a <style> element when the editor is in the document itself, and
// uses a constructed style sheet (document.adoptedStyleSheets) only in a
// shadow root. The site's Content-Security-Policy (style-src 'self', no
// 'unsafe-inline', no nonce) refuses such an element, and the editor would
// be unstyled; a constructed sheet is not refused. So the document takes
// the constructed sheet too (every current browser has
// document.adoptedStyleSheets; one without it still gets the <style>
// element). The build fails if the line it changes is not found.
const STYLE_MOD_FROM = 'if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {';
const STYLE_MOD_TO = 'if (root.adoptedStyleSheets && win.CSSStyleSheet) {';
const cspStyles = {
  name: 'csp-styles',
  setup(b) {
    b.onLoad({ filter: /[\\/]style-mod[\\/]src[\\/]style-mod\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      if (!src.includes(STYLE_MOD_FROM)) throw new Error(`style-mod changed: "${STYLE_MOD_FROM}" not in ${args.path}; see web/editor/build.mjs`);
      return { contents: src.replace(STYLE_MOD_FROM, STYLE_MOD_TO), loader: 'js' };
    });
  },
};

const result = await build({
  entryPoints: [join(here, 'entry.mjs')],
  plugins: [cspStyles],
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
  ` * Changed: style-mod uses a constructed style sheet in the document too (CSP; see web/editor/build.mjs).\n` +
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
