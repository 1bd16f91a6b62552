// editor.js — the code editor: CodeMirror 6 with Python, from the committed
// bundle /vendor/codemirror/codemirror.js (scripts/build-editor), loaded on
// first use only, so no other page pays for it. Served by cf-web like every
// other file here: no CDN, no inline script or style (CodeMirror's styles go
// through constructed style sheets, which the CSP allows).
//
// Keyboard: Tab indents (indentWithTab). To leave the editor with the
// keyboard, press Escape and then Tab (Shift-Tab backwards) within two
// seconds, or Ctrl-M (Shift-Alt-M on a Mac) to make Tab move the focus until
// pressed again: CodeMirror's documented escape from the Tab trap.
const BUNDLE = '/vendor/codemirror/codemirror.js';

let loading = null;
export function loadEditor() {
  if (!loading) loading = import(BUNDLE).catch((e) => { loading = null; throw e; });
  return loading;
}

export const KEYBOARD_HINT = 'Tab indents. To move on with the keyboard, press Escape, then Tab; or Ctrl-M (Shift-Alt-M on a Mac) switches Tab between indenting and moving on.';

// Mounts an editor in parent. opts: doc (text), label (the accessible name),
// describedBy (an element id), onChange(text), onSave() (Ctrl-S / Cmd-S in
// the editor, instead of the browser's "save page"). Returns
// { view, text(), setText(t), focus(), destroy() }.
export async function mountEditor(parent, { doc = '', label = 'Code', describedBy, onChange, onSave } = {}) {
  const cm = await loadEditor();
  const { EditorView, EditorState, keymap, basicSetup, indentWithTab, python, syntaxHighlighting, oneDarkHighlightStyle, indentUnit } = cm;
  const dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  const contentAttrs = { 'aria-label': label, 'aria-multiline': 'true', spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off' };
  if (describedBy) contentAttrs['aria-describedby'] = describedBy;
  // Colours from the site's own variables, so light and dark both fit.
  const theme = EditorView.theme({
    '&': { backgroundColor: 'var(--surface)', color: 'var(--text)', fontSize: '.9rem' },
    '.cm-content': { caretColor: 'var(--text)', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
    '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
    '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '2px' },
    '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)' },
    '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 14%, transparent)' },
  }, { dark });
  const extensions = [
    basicSetup,
    keymap.of([indentWithTab, ...(onSave ? [{ key: 'Mod-s', run: () => { onSave(); return true; }, preventDefault: true }] : [])]),
    python(),
    indentUnit.of('    '),
    EditorState.tabSize.of(4),
    theme,
    EditorView.contentAttributes.of(contentAttrs),
    EditorView.updateListener.of((u) => { if (u.docChanged && onChange) onChange(u.state.doc.toString()); }),
  ];
  // basicSetup's light highlight style is only a fallback: a dark one wins.
  if (dark) extensions.push(syntaxHighlighting(oneDarkHighlightStyle));
  const view = new EditorView({ state: EditorState.create({ doc, extensions }), parent });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(t) { view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }); },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
