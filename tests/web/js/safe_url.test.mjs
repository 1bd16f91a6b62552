// web.safe_url: safeUrl() (web/static/js/dom.js), the filter on every link
// the front end makes from data (markdown, user text). Issue 15: a
// javascript: URL behind control characters passed as "relative".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeUrl } from '../../../web/static/js/dom.js';

test('our paths, http(s), blob: and mailto: stay', () => {
  for (const u of ['/arcade/1', '#top', '?page=2', 'https://example.org/x', 'http://a.b', 'blob:https://x/1',
    'mailto:a@b.c', 'docs/arcade.md', 'img.png'])
    assert.equal(safeUrl(u), u, u);
  assert.equal(safeUrl('  /arcade/1 '), '/arcade/1');
});

test('other schemes become #, however they are dressed', () => {
  const bad = ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'data:text/html,x',
    'vbscript:x', '\u0001javascript:alert(1)', '\u0000javascript:alert(1)', '\u001fjavascript:alert(1)',
    'java\tscript:alert(1)', 'java\nscript:alert(1)', 'jav\rascript:alert(1)', '\u0008\u0020javascript:x',
    'javascript:alert(1)\u0000', 'ja\u0000vascript:alert(1)'];
  for (const u of bad) assert.equal(safeUrl(u), '#', JSON.stringify(u));
});
