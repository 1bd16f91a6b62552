// markdown.js — a small Markdown renderer that builds DOM nodes directly.
// Game docs are written by game authors, but we still never hand them to
// innerHTML: text stays text, links are filtered by safeUrl. Supports what
// the docs use: headings, paragraphs, fenced and indented code, lists,
// block quotes, tables, rules, and inline code, bold, italic and links.
import { h } from './dom.js';

export function renderMarkdown(src) {
  const root = h('div', { class: 'doc' });
  const lines = String(src || '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let para = [];

  const flush = () => {
    if (para.length) root.appendChild(h('p', null, inline(para.join(' '))));
    para = [];
  };

  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (/^\s*$/.test(line)) { flush(); i++; continue; }
    if ((m = /^(`{3,}|~{3,})\s*([\w+-]*)\s*$/.exec(line))) {
      flush();
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].startsWith(fence)) body.push(lines[i++]);
      i++;
      const code = h('code', m[2] ? { class: `language-${m[2]}` } : null, body.join('\n'));
      root.appendChild(h('pre', { tabindex: '0' }, code));
      continue;
    }
    if ((m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      flush();
      // Docs sit under the page's own h1, so their headings start one lower.
      const level = Math.min(6, m[1].length + 1);
      root.appendChild(h(`h${level}`, null, inline(m[2])));
      i++;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) { flush(); root.appendChild(h('hr')); i++; continue; }
    if (/^ {4}|^\t/.test(line) && para.length === 0) {
      const body = [];
      while (i < lines.length && (/^ {4}|^\t/.test(lines[i]) || /^\s*$/.test(lines[i]))) {
        body.push(lines[i].replace(/^ {4}|^\t/, ''));
        i++;
      }
      while (body.length && body[body.length - 1] === '') body.pop();
      root.appendChild(h('pre', { tabindex: '0' }, h('code', null, body.join('\n'))));
      continue;
    }
    if (/^>\s?/.test(line)) {
      flush();
      const body = [];
      while (i < lines.length && /^>\s?/.test(lines[i])) body.push(lines[i++].replace(/^>\s?/, ''));
      const q = renderMarkdown(body.join('\n'));
      q.className = '';
      root.appendChild(h('blockquote', null, [...q.childNodes]));
      continue;
    }
    if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
      flush();
      const ordered = /^\s*\d/.test(line);
      const list = h(ordered ? 'ol' : 'ul');
      while (i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i])) {
        let text = lines[i].replace(/^\s*([-*+]|\d+[.)])\s+/, '');
        i++;
        // continuation lines of the same item
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !/^\s*([-*+]|\d+[.)])\s+/.test(lines[i])) {
          text += ' ' + lines[i].trim();
          i++;
        }
        list.appendChild(h('li', null, inline(text)));
      }
      root.appendChild(list);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(lines[i + 1])) {
      flush();
      const cells = (l) => l.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
      const head = cells(line);
      i += 2;
      const rows = [];
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i])) rows.push(cells(lines[i++]));
      root.appendChild(h('table', null,
        h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, inline(c))))),
        h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, inline(c))))))));
      continue;
    }
    para.push(line.trim());
    i++;
  }
  flush();
  return root;
}

// Inline: `code`, **bold**, *italic* / _italic_, [text](url). Returns nodes.
export function inline(text) {
  const out = [];
  const re = /(`+)([\s\S]*?)\1|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|\b_([^_\s][^_]*)_\b|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1]) out.push(h('code', null, m[2].trim()));
    else if (m[3] || m[4]) out.push(h('strong', null, inline(m[3] || m[4])));
    else if (m[5] || m[6]) out.push(h('em', null, inline(m[5] || m[6])));
    else if (m[7]) {
      const external = /^https?:/i.test(m[8]);
      out.push(h('a', external ? { href: m[8], rel: 'noopener noreferrer' } : { href: m[8] }, inline(m[7])));
    }
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
