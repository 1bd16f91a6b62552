// dom.js — building the page without innerHTML: every piece of data becomes a
// text node, so nothing a user typed can turn into markup.

// h('a', {href: '/x', class: 'btn', onclick: fn}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (key === 'class') {
        el.className = value;
      } else if (key === 'dataset') {
        Object.assign(el.dataset, value);
      } else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled') {
        el[key] = value;
        if (key !== 'value' && value === true) el.setAttribute(key, '');
      } else if (key === 'href' || key === 'src') {
        el.setAttribute(key, safeUrl(String(value)));
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// What a link may point at: our own paths, http(s), blob: and mailto:; any
// other scheme (javascript:, data:, vbscript:) becomes '#'. The URL is first
// read as the browser's URL parser reads it, which drops tabs and newlines
// anywhere and control characters and spaces at both ends: otherwise
// "\x01javascript:..." looks relative here and runs there.
export function safeUrl(url) {
  const u = String(url).replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  if (/[\u0000-\u001f\u007f]/.test(u)) return '#';
  if (u.startsWith('/') || u.startsWith('#') || u.startsWith('?')) return u;
  if (/^(https?:|blob:|mailto:)/i.test(u)) return u;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(u)) return u; // relative
  return '#';
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

// A link handled by the router.
export function link(href, text, attrs = {}) {
  return h('a', { href, 'data-link': '', ...attrs }, text);
}

let idSeq = 0;
export function uid(prefix = 'f') {
  idSeq += 1;
  return `${prefix}-${idSeq}`;
}

// A labelled form field: label, control, optional hint tied by aria-describedby.
export function field(label, control, hint) {
  const id = control.id || uid('field');
  control.id = id;
  const children = [h('label', { for: id }, label), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    children.push(h('span', { class: 'hint', id: hintId }, hint));
  }
  return h('div', { class: 'field' }, children);
}

// The error box of a form: role=alert so a screen reader hears it at once.
export function errorBox() {
  return h('div', { class: 'form-error', role: 'alert' });
}

export function okBox() {
  return h('div', { class: 'form-ok', role: 'status' });
}

export function chip(text, kind) {
  return h('span', { class: `chip chip-${kind || String(text).toLowerCase()}` }, text);
}

export function fmtDate(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// Short form for tables: "Nov 25, 17:48", with the year only when it is not this one.
export function fmtShort(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }), hour: '2-digit', minute: '2-digit' });
}

export function fmtBytes(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// A play's length: "850 ms", "12.4 s", "3 min 05 s", "1 h 02 min".
export function fmtDuration(ms) {
  if (ms == null || !Number.isFinite(Number(ms))) return '';
  const n = Math.max(0, Number(ms));
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60000) return `${(n / 1000).toFixed(1)} s`;
  const s = Math.floor(n / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, '0')} min`;
}

// Says something to screen-reader users without moving focus.
export function announce(text) {
  const el = document.getElementById('announcer');
  if (!el) return;
  el.textContent = '';
  setTimeout(() => { el.textContent = text; }, 30);
}

// A notification, in the flow under the header (index.html): it never covers
// a control. It goes by itself after 4 s (not while the keyboard is on its
// Dismiss button), or at once with Dismiss.
export function toast(text, kind = '') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss notification' }, '×');
  const t = h('div', { class: `toast ${kind}` }, h('span', { class: 'toast-text' }, text), close);
  let timer = null;
  const remove = () => {
    clearTimeout(timer);
    const hadFocus = t.contains(document.activeElement);
    t.remove();
    if (hadFocus) document.getElementById('main')?.focus({ preventScroll: true });
  };
  const arm = () => { clearTimeout(timer); timer = setTimeout(remove, 4000); };
  close.addEventListener('click', remove);
  t.addEventListener('focusin', () => clearTimeout(timer));
  t.addEventListener('focusout', arm);
  box.appendChild(t);
  // Three at most: the oldest go first.
  while (box.children.length > 3) box.firstElementChild.remove();
  arm();
}

// Disables a form's submit button while a request runs.
export async function busy(button, fn) {
  const was = button.disabled;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = was;
    button.removeAttribute('aria-busy');
  }
}

export function download(filename, text, type = 'text/x-python') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
