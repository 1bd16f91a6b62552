// entry.mjs — what the front end takes from CodeMirror 6: the one module
// scripts/build-editor bundles (esbuild) into
// web/static/vendor/codemirror/codemirror.js. Not served itself.
export { EditorView, keymap } from '@codemirror/view';
export { EditorState, Compartment } from '@codemirror/state';
export { basicSetup } from 'codemirror';
export { indentWithTab } from '@codemirror/commands';
export { python } from '@codemirror/lang-python';
export { syntaxHighlighting, defaultHighlightStyle, indentUnit } from '@codemirror/language';
export { oneDarkHighlightStyle } from '@codemirror/theme-one-dark';
