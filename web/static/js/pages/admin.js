// The operator console (/admin): the running system seen and steered from the
// browser, for users with the operator role (docs/operations.md, "The
// console page"; the routes are /api/admin/…, docs/openapi.yaml, tag admin).
//
// Seven tabs: Running, Recent, Dead letters, Users, Games, Health, Actions.
// Running and Health refresh every REFRESH_MS while their tab shows, with one
// timer (a setTimeout chain: the next one is set when an answer is handled),
// paused while the browser tab is hidden and cleared when the page is left.
// A refresh updates the tables in place (rows keyed by id, a cell rebuilt
// only when what it shows changed), so focus, scroll, an open <details> and
// a half-typed field survive it. Every piece of data is text (dom.js h()).
import { h, link, replace, errorBox, busy, toast, announce, fmtDate, fmtShort, fmtDuration, uid } from '../dom.js';
import { api, session, qs } from '../api.js';
import { confirmDialog, STATE_TEXT, PLAY_STATUS_TEXT } from '../views.js';

export const REFRESH_MS = 1500;
// After a Stop, until its row is gone: the same timer, sooner.
const SOON_MS = 300;
const USERS_PER_PAGE = 25;
const ACTIONS_PER_PAGE = 50;
// A field's value shown in a dead letter: longer ones are cut (the editor has all).
const FIELD_SHOW = 160;

const TABS = [
  { id: 'running', label: 'Running', live: true },
  { id: 'recent', label: 'Recent' },
  { id: 'dead', label: 'Dead letters' },
  { id: 'users', label: 'Users' },
  { id: 'games', label: 'Games' },
  { id: 'health', label: 'Health', live: true },
  { id: 'actions', label: 'Actions' },
];

const STATUS_TEXT = { ...STATE_TEXT, ...PLAY_STATUS_TEXT, running: 'Running', queued: 'Queued' };
const statusChip = (s) => h('span', { class: `chip chip-${String(s || 'unknown').replace(/[^a-z_]/g, '')}` }, STATUS_TEXT[s] || String(s || 'unknown'));
const num = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
const ageText = (ms) => (ms === null || ms === undefined ? '—' : fmtDuration(ms));
const shortId = (id) => String(id || '').slice(0, 8);
const timeEl = (v) => (v ? h('time', { datetime: v, title: fmtDate(v) }, fmtShort(v)) : '—');
// To the second, for the record of actions (several a minute).
const timeSec = (v) => {
  const d = new Date(v);
  if (!v || Number.isNaN(d.getTime())) return timeEl(v);
  return h('time', { datetime: v, title: fmtDate(v) }, d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }));
};

// ---- a table updated in place ----
// columns: [{label, cls, sig(item) -> string, cell(item) -> content}]; sig
// defaults to the cell's text (cell must then return a string). A row is
// keyed by key(item); a cell is rebuilt only when its sig changed, so a
// button keeps its focus across refreshes.
function liveTable({ caption, columns, key, rowClass, empty, onFocusLost }) {
  const tbody = h('tbody');
  const table = h('table', { class: 'list stack-sm console-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.cls }, c.label)))),
    tbody);
  const emptyEl = h('p', { class: 'empty' }, empty);
  const wrap = h('div', { class: 'table-wrap' }, table, emptyEl);
  const rows = new Map();
  function update(items, { onGone } = {}) {
    const seen = new Set();
    items.forEach((item, i) => {
      const k = String(key(item));
      seen.add(k);
      let row = rows.get(k);
      if (!row) {
        row = { tr: h('tr', { dataset: { key: k } }), sigs: [] };
        row.tds = columns.map((c) => h('td', { 'data-label': c.label, class: c.cls }));
        row.tr.append(...row.tds);
        rows.set(k, row);
      }
      if (rowClass) row.tr.className = rowClass(item) || '';
      row.item = item;
      columns.forEach((c, j) => {
        const sig = c.sig ? c.sig(item) : String(c.cell(item));
        if (row.sigs[j] === sig) return;
        row.sigs[j] = sig;
        const hadFocus = row.tds[j].contains(document.activeElement);
        replace(row.tds[j], c.cell(item));
        // A rebuilt cell that had the focus gives it to its new control.
        if (hadFocus) {
          const next = row.tds[j].querySelector('button, a[href], input, select, textarea');
          if (next) next.focus(); else if (onFocusLost) onFocusLost();
        }
      });
      // Move a row only when it is out of place: moving blurs a focused button.
      if (tbody.children[i] !== row.tr) tbody.insertBefore(row.tr, tbody.children[i] || null);
    });
    for (const [k, row] of rows) {
      if (seen.has(k)) continue;
      const hadFocus = row.tr.contains(document.activeElement);
      row.tr.remove();
      rows.delete(k);
      if (onGone) onGone(row.item);
      if (hadFocus && onFocusLost) onFocusLost();
    }
    table.hidden = items.length === 0;
    emptyEl.hidden = items.length !== 0;
  }
  return { node: wrap, update, rows };
}

// A pager of buttons (the console keeps its state in the page, not the URL).
function pagerButtons(page, total, perPage, go) {
  const pages = Math.max(1, Math.ceil((Number(total) || 0) / perPage));
  if (pages <= 1 && page <= 1) return null;
  const prev = h('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: page <= 1, onclick: () => go(page - 1) }, '← Previous');
  const next = h('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: page >= pages, onclick: () => go(page + 1) }, 'Next →');
  return h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, h('span', null, `Page ${page} of ${pages}`), next);
}

// While a button's request runs it stays focusable but inert (aria-disabled,
// not disabled: a disabled button loses the focus, and the refreshed cell
// would have none to pass on).
async function guarded(b, fn) {
  if (b.getAttribute('aria-busy') === 'true') return undefined;
  b.setAttribute('aria-busy', 'true');
  b.setAttribute('aria-disabled', 'true');
  try {
    return await fn();
  } finally {
    b.removeAttribute('aria-busy');
    b.removeAttribute('aria-disabled');
  }
}

// The words of a failed request in a panel's error box.
function showError(box, ex) { box.textContent = ex && ex.message ? ex.message : String(ex); }

// ---- Running: queued and running fights and plays ----
function runningSection(ctx, { soon }) {
  const err = errorBox();
  const status = h('p', { class: 'muted small console-updated', role: 'status' });
  const stopping = new Map(); // "fight:id" -> when Stop was answered
  const panelFocus = () => heading.focus();
  const heading = h('h2', { tabindex: '-1' }, 'Running work');

  function stopButton(kind, item) {
    const label = kind === 'fight' ? `Stop fight ${shortId(item.id)}` : `Stop play ${shortId(item.id)}`;
    const b = h('button', { type: 'button', class: 'btn btn-danger btn-small', 'aria-label': label }, 'Stop');
    b.addEventListener('click', () => guarded(b, async () => {
      err.textContent = '';
      try {
        await api.post(`/api/admin/${kind}s/${encodeURIComponent(item.id)}/stop`);
        stopping.set(`${kind}:${item.id}`, Date.now());
        announce(`${kind === 'fight' ? 'Fight' : 'Play'} ${shortId(item.id)}: stop sent.`);
        // Its row goes at the next refresh, which comes sooner while a stop waits.
        soon();
      } catch (ex) { showError(err, ex); }
    }));
    return b;
  }
  const stopSig = (kind) => (item) => `${kind}:${item.id}:${stopping.has(`${kind}:${item.id}`)}`;
  // While a stop waits, the button stays (and keeps the focus), inert.
  const stopCell = (kind) => (item) => (stopping.has(`${kind}:${item.id}`)
    ? h('button', { type: 'button', class: 'btn btn-danger btn-small', 'aria-disabled': 'true', 'aria-label': `Stopping ${kind} ${shortId(item.id)}` }, 'Stopping…')
    : stopButton(kind, item));

  const fights = liveTable({
    onFocusLost: panelFocus,
    caption: 'Queued and running fights',
    empty: 'No fight is queued or running.',
    key: (f) => f.id,
    columns: [
      { label: 'Fight', sig: (f) => f.id, cell: (f) => link(`/fights/${encodeURIComponent(f.id)}`, shortId(f.id), { class: 'mono', title: f.id }) },
      { label: 'Game', cell: (f) => String(f.game || '') },
      { label: 'Host', cell: (f) => f.host || '—' },
      { label: 'Status', cls: 'status', sig: (f) => String(f.status), cell: (f) => statusChip(f.status) },
      { label: 'Worker', cls: 'worker', cell: (f) => f.worker || '—' },
      { label: 'Age', cls: 'age num', cell: (f) => ageText(f.age_ms) },
      { label: 'Tick', cls: 'tick num', cell: (f) => num(f.tick) },
      { label: 'Actions', cls: 'actions', sig: stopSig('fight'), cell: stopCell('fight') },
    ],
  });
  const plays = liveTable({
    onFocusLost: panelFocus,
    caption: 'Queued and running plays',
    empty: 'No play is queued or running.',
    key: (p) => p.id,
    columns: [
      { label: 'Play', sig: (p) => p.id, cell: (p) => h('span', { class: 'mono', title: p.id }, shortId(p.id)) },
      { label: 'Game', cell: (p) => (p.game && (p.game.title || p.game.id)) || '—' },
      { label: 'Player', cell: (p) => p.player || 'Guest' },
      { label: 'Status', cls: 'status', sig: (p) => String(p.status), cell: (p) => statusChip(p.status) },
      { label: 'Worker', cls: 'worker', cell: (p) => p.worker || '—' },
      { label: 'Age', cls: 'age num', cell: (p) => ageText(p.age_ms) },
      { label: 'Duration', cls: 'duration num', cell: (p) => (p.duration_ms == null ? '—' : fmtDuration(p.duration_ms)) },
      {
        label: 'Actions', cls: 'actions', sig: stopSig('play'),
        cell: (p) => h('div', { class: 'row' },
          link(`/play/${encodeURIComponent(p.id)}`, 'Watch', { class: 'btn btn-secondary btn-small', 'aria-label': `Watch play ${shortId(p.id)}` }),
          stopCell('play')(p)),
      },
    ],
  });

  const gone = (kind) => (item) => {
    const k = `${kind}:${item.id}`;
    if (stopping.has(k)) {
      stopping.delete(k);
      announce(`${kind === 'fight' ? 'Fight' : 'Play'} ${shortId(item.id)} ended.`);
    }
  };

  const section = {
    node: h('div', { class: 'console-running' },
      heading,
      h('p', { class: 'muted' }, 'Fights and plays waiting for a worker or running now; updated every 1.5 s while this tab shows. Stop ends one at once, as its owner\'s Stop does; Watch follows a play silently.'),
      err, status,
      h('h3', null, 'Fights'), fights.node,
      h('h3', null, 'Plays'), plays.node),
    async refresh() {
      const r = await api.get('/api/admin/work');
      if (!ctx.isCurrent()) return;
      fights.update(r.fights || [], { onGone: gone('fight') });
      plays.update(r.plays || [], { onGone: gone('play') });
      // A stop whose row is still listed after a while: the stop did not take.
      for (const [k, at] of stopping) {
        if (Date.now() - at > 10000) {
          stopping.delete(k);
          err.textContent = `${k.replace(':', ' ')} is still listed 10 s after Stop.`;
        }
      }
      status.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    },
    urgent: () => stopping.size > 0,
  };
  return section;
}

// ---- Recent: the last 100 fights and plays ----
function recentSection() {
  const err = errorBox();
  const kind = h('select', { id: uid('recent-kind') },
    h('option', { value: 'all' }, 'Fights and plays'), h('option', { value: 'fight' }, 'Fights'), h('option', { value: 'play' }, 'Plays'));
  const status = h('select', { id: uid('recent-status') },
    ['', 'queued', 'running', 'simulating', 'finished', 'failed', 'cancelled', 'stopped']
      .map((s) => h('option', { value: s }, s ? STATUS_TEXT[s] || s : 'Any status')));
  const failedFirst = h('input', { type: 'checkbox', id: uid('recent-failed') });
  const count = h('p', { class: 'muted small', role: 'status' });
  const table = liveTable({
    caption: 'Recent fights and plays',
    empty: 'Nothing matches.',
    key: (w) => `${w.kind}:${w.id}`,
    rowClass: (w) => (w.status === 'failed' ? 'console-failed' : ''),
    columns: [
      { label: 'Kind', cell: (w) => (w.kind === 'play' ? 'Play' : 'Fight') },
      {
        label: 'Id', sig: (w) => `${w.kind}:${w.id}`,
        cell: (w) => link(w.kind === 'play' ? `/play/${encodeURIComponent(w.id)}` : `/fights/${encodeURIComponent(w.id)}`, shortId(w.id), { class: 'mono', title: String(w.id) }),
      },
      { label: 'Game', cell: (w) => String((w.game && typeof w.game === 'object' ? w.game.title || w.game.id : w.game) || '—') },
      { label: 'Who', cell: (w) => String(w.who || '—') },
      { label: 'Status', cls: 'status', sig: (w) => String(w.status), cell: (w) => statusChip(w.status) },
      {
        label: 'Verdicts', cls: 'verdicts',
        cell: (w) => {
          const v = w.verdicts ?? w.verdict;
          if (v === null || v === undefined || v === '') return '—';
          return Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? [x.name || x.username, x.verdict].filter(Boolean).join(': ') : String(x))).join(', ') : String(v);
        },
      },
      { label: 'Reason', cls: 'reason', cell: (w) => String(w.reason || '') || '—' },
      { label: 'Duration', cls: 'num', cell: (w) => (w.duration_ms == null ? '—' : fmtDuration(w.duration_ms)) },
      { label: 'Created', sig: (w) => String(w.created_at), cell: (w) => timeEl(w.created_at) },
      { label: 'Finished', sig: (w) => String(w.finished_at), cell: (w) => timeEl(w.finished_at) },
    ],
  });
  const section = {
    node: h('div', { class: 'console-recent' },
      h('h2', null, 'Recent work'),
      h('p', { class: 'muted' }, 'The last 100 fights and plays, newest first; the reason of each failure.'),
      h('form', {
        class: 'filters console-filters',
        onsubmit: (e) => { e.preventDefault(); section.refresh().catch((ex) => showError(err, ex)); },
      },
      h('div', { class: 'field' }, h('label', { for: kind.id }, 'Kind'), kind),
      h('div', { class: 'field' }, h('label', { for: status.id }, 'Status'), status),
      h('div', { class: 'field choice console-check' }, failedFirst, h('label', { for: failedFirst.id }, 'Failed first')),
      h('div', { class: 'field' }, h('button', { type: 'submit', class: 'btn' }, 'Show'))),
      err, count, table.node),
    async refresh() {
      err.textContent = '';
      const r = await api.get(`/api/admin/recent${qs({ kind: kind.value, status: status.value, failed_first: failedFirst.checked ? 'true' : '', limit: 100 })}`);
      const items = r.items || [];
      table.update(items);
      count.textContent = `${items.length} ${items.length === 1 ? 'item' : 'items'}.`;
    },
  };
  // Changing a filter shows at once (the button is there for keyboard users who expect one).
  for (const el of [kind, status, failedFirst]) el.addEventListener('change', () => section.refresh().catch((ex) => showError(err, ex)));
  return section;
}

// ---- Dead letters ----
// The editor's text -> the fields to send, or an error. Values: strings as
// they are; numbers and booleans as text; arrays and objects as their JSON
// (the streams' fields are strings: `players` is a JSON array in a string).
export function parseFields(text) {
  let v;
  try { v = JSON.parse(text); } catch (ex) { return { error: `Not valid JSON: ${ex.message}` }; }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: 'The fields must be one JSON object: {"name": "value", …}.' };
  const keys = Object.keys(v);
  if (keys.length === 0) return { error: 'An entry needs at least one field.' };
  const out = {};
  for (const k of keys) {
    if (!k.trim()) return { error: 'A field name may not be empty.' };
    const x = v[k];
    if (x === null || x === undefined) return { error: `Field "${k}" has no value.` };
    out[k] = typeof x === 'string' ? x : typeof x === 'object' ? JSON.stringify(x) : String(x);
  }
  return { fields: out };
}

// What to send: the fields that differ from the entry's (a JSON value
// compared as JSON, so re-spacing is no change), and null for each field the
// operator removed (the server drops it). The server keeps every field not
// sent as it is, in full: a value shown cut (`truncated`) stays whole unless
// it is edited or removed.
export function changedFields(original, edited) {
  const norm = (v) => {
    if (typeof v !== 'string') return JSON.stringify(v);
    try { const x = JSON.parse(v); return x && typeof x === 'object' ? JSON.stringify(x) : v; } catch { return v; }
  };
  const out = {};
  for (const [k, v] of Object.entries(edited)) {
    if (Object.prototype.hasOwnProperty.call(original, k) && norm(original[k]) === norm(v)) continue;
    out[k] = v;
  }
  for (const k of Object.keys(original)) if (!Object.prototype.hasOwnProperty.call(edited, k)) out[k] = null;
  return out;
}

// The editor starts from the entry's fields; a value that is JSON text of an
// array or an object is shown as JSON (readable, editable), and sent back as text.
export function fieldsForEditing(fields) {
  const out = {};
  for (const [k, val] of Object.entries(fields || {})) {
    let shown = val;
    if (typeof val === 'string' && /^\s*[[{]/.test(val)) {
      try { shown = JSON.parse(val); } catch { shown = val; }
    }
    out[k] = shown;
  }
  return JSON.stringify(out, null, 2);
}

function deadSection() {
  const err = errorBox();
  const boxes = {};
  const counts = {};
  function entryCard(stream, d, reload) {
    const fields = d.fields || {};
    const cut = new Set(Array.isArray(d.truncated) ? d.truncated : []);
    const titleId = uid('dead');
    const cardErr = errorBox();
    const facts = h('dl', { class: 'facts console-fields' },
      Object.entries(fields).map(([k, v]) => {
        const s = typeof v === 'string' ? v : JSON.stringify(v);
        const note = cut.has(k) ? ' (cut by the server)' : '';
        return [h('dt', null, k), h('dd', { class: 'mono' }, s.length > FIELD_SHOW ? `${s.slice(0, FIELD_SHOW)}… (${s.length} characters shown here${note})` : `${s}${note ? ` …${note}` : ''}`)];
      }));
    const editorId = uid('dead-fields');
    const editor = h('textarea', { id: editorId, class: 'code console-json', spellcheck: 'false', rows: '10', 'aria-describedby': `${editorId}-hint` });
    const send = h('button', { type: 'submit', class: 'btn' }, 'Requeue');
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
    const form = h('form', { class: 'console-requeue', hidden: true },
      h('div', { class: 'field' },
        h('label', { for: editorId }, 'Fields to queue (JSON)'),
        editor,
        h('span', { class: 'hint', id: `${editorId}-hint` }, `Fix the entry, then requeue it on cf:${stream}. Only the fields you change (or remove) are sent; the others stay as they are, in full. Values that are JSON (players, settings) may stay JSON: they are sent as text.`,
          cut.size ? ` Shown cut here, kept whole unless you edit them: ${[...cut].join(', ')}.` : '')),
      h('div', { class: 'row' }, send, cancel));
    const requeue = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-expanded': 'false', 'aria-label': `Requeue entry ${d.entry_id}` }, 'Requeue…');
    const discard = h('button', { type: 'button', class: 'btn btn-danger btn-small', 'aria-label': `Discard entry ${d.entry_id}` }, 'Discard');
    requeue.addEventListener('click', () => {
      const open = form.hidden;
      form.hidden = !open;
      requeue.setAttribute('aria-expanded', String(open));
      if (open) { editor.value = fieldsForEditing(fields); editor.removeAttribute('aria-invalid'); editor.focus(); }
    });
    cancel.addEventListener('click', () => { form.hidden = true; requeue.setAttribute('aria-expanded', 'false'); requeue.focus(); });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      cardErr.textContent = '';
      const parsed = parseFields(editor.value);
      if (parsed.error) {
        editor.setAttribute('aria-invalid', 'true');
        cardErr.textContent = parsed.error;
        editor.focus();
        return;
      }
      editor.removeAttribute('aria-invalid');
      busy(send, async () => {
        try {
          const r = await api.post(`/api/admin/dead-letters/${stream}/${encodeURIComponent(d.entry_id)}/requeue`, { fields: changedFields(fields, parsed.fields) });
          toast(`Requeued on cf:${stream}${r && r.requeued_as ? ` as ${r.requeued_as}` : ''}.`);
          await reload();
        } catch (ex) { showError(cardErr, ex); }
      });
    });
    discard.addEventListener('click', () => guarded(discard, async () => {
      cardErr.textContent = '';
      const ok = await confirmDialog({
        title: 'Discard this dead letter?',
        message: [`Entry ${d.entry_id} of cf:${stream}:dead is removed for good.`, d.reason ? `Its reason: ${d.reason}` : ''].filter(Boolean),
        confirm: 'Discard',
      });
      if (!ok) return;
      try {
        await api.del(`/api/admin/dead-letters/${stream}/${encodeURIComponent(d.entry_id)}`);
        toast('Dead letter discarded.');
        await reload();
      } catch (ex) { showError(cardErr, ex); }
    }));
    return h('li', { class: 'card console-dead', dataset: { entry: String(d.entry_id) }, 'aria-labelledby': titleId },
      h('h4', { id: titleId, class: 'console-dead-title' }, h('span', { class: 'mono' }, String(d.entry_id)), ' ', d.at ? timeEl(d.at) : null,
        d.source ? h('span', { class: 'muted small' }, `from ${d.source}${d.entry ? ` ${d.entry}` : ''}`) : null),
      h('p', { class: 'console-reason' }, h('strong', null, 'Reason: '), String(d.reason || '(none given)')),
      facts, cardErr,
      h('div', { class: 'row' }, requeue, discard),
      form);
  }
  const section = {
    node: h('div', { class: 'console-deadletters' },
      h('h2', null, 'Dead letters'),
      h('p', { class: 'muted' }, 'Entries a simulator or the result processor could not use, with the reason. Requeue one after fixing it, or discard it.'),
      err,
      ['fights', 'plays'].map((s) => {
        boxes[s] = h('ul', { class: 'plain console-dead-list' });
        counts[s] = h('span', { class: 'muted small' });
        return h('section', { class: `console-dead-${s}`, 'aria-label': `cf:${s}:dead` },
          h('h3', null, s === 'fights' ? 'Fights ' : 'Plays ', h('code', null, `cf:${s}:dead`), ' ', counts[s]),
          boxes[s]);
      })),
    async refresh() {
      err.textContent = '';
      const answers = await Promise.all(['fights', 'plays'].map((s) => api.get(`/api/admin/dead-letters?stream=${s}`)));
      ['fights', 'plays'].forEach((s, i) => {
        const items = answers[i].items || [];
        counts[s].textContent = `(${items.length})`;
        const reload = () => section.refresh().catch((ex) => showError(err, ex));
        replace(boxes[s], items.length ? items.map((d) => entryCard(s, d, reload)) : h('li', { class: 'empty' }, 'None.'));
      });
    },
  };
  return section;
}

// ---- Users ----
function usersSection() {
  const err = errorBox();
  const q = h('input', { type: 'search', id: uid('users-q'), autocomplete: 'off', placeholder: 'Part of a name' });
  const count = h('p', { class: 'muted small', role: 'status' });
  const pagerBox = h('div');
  let page = 1;
  let searchTimer = 0;

  async function act(u, path, body, what) {
    err.textContent = '';
    try {
      await api.post(`/api/admin/users/${encodeURIComponent(u.id)}/${path}`, body);
      toast(what);
      await section.refresh();
    } catch (ex) {
      showError(err, ex);
      err.scrollIntoView({ block: 'nearest' });
    }
  }

  function actions(u) {
    const me = session.user && session.user.id === u.id;
    const active = u.active !== false && !u.deactivated_at;
    const op = u.role === 'operator';
    const toggle = h('button', { type: 'button', class: `btn btn-small ${active ? 'btn-danger-outline' : 'btn-secondary'}`, 'aria-label': `${active ? 'Deactivate' : 'Reactivate'} ${u.username}` }, active ? 'Deactivate' : 'Reactivate');
    toggle.addEventListener('click', () => guarded(toggle, async () => {
      if (active) {
        const ok = await confirmDialog({
          title: `Deactivate ${u.username}?`,
          message: [
            `${u.username} is logged out everywhere at once, their live pages stop, and they cannot log in until reactivated.`,
            'Their open invitations are declined and the open fights they host are cancelled. Their history stays.',
          ],
          confirm: 'Deactivate',
        });
        if (!ok) return;
        await act(u, 'deactivate', undefined, `${u.username} is deactivated.`);
      } else {
        await act(u, 'reactivate', undefined, `${u.username} is active again.`);
      }
    }));
    const role = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `${op ? 'Revoke operator from' : 'Make operator:'} ${u.username}` }, op ? 'Revoke operator' : 'Make operator');
    role.addEventListener('click', () => guarded(role, async () => {
      if (op) {
        const ok = await confirmDialog({
          title: `Revoke the operator role from ${u.username}?`,
          message: me ? 'That is you: you lose this console at once.' : `${u.username} no longer sees this console.`,
          confirm: 'Revoke',
        });
        if (!ok) return;
      }
      await act(u, 'operator', { operator: !op }, op ? `${u.username} is no longer an operator.` : `${u.username} is an operator.`);
    }));
    return h('div', { class: 'row' }, toggle, role);
  }

  const table = liveTable({
    caption: 'Users',
    empty: 'No user matches.',
    key: (u) => u.id,
    rowClass: (u) => (u.active === false || u.deactivated_at ? 'console-inactive' : ''),
    columns: [
      {
        label: 'User', cls: 'user', sig: (u) => `${u.username}:${session.user && session.user.id === u.id}`,
        cell: (u) => h('div', null, h('span', { class: 'username' }, u.username), session.user && session.user.id === u.id ? h('span', { class: 'muted small' }, ' (you)') : null),
      },
      { label: 'Role', cls: 'role', sig: (u) => String(u.role), cell: (u) => (u.role === 'operator' ? h('span', { class: 'chip chip-run' }, 'Operator') : 'User') },
      {
        label: 'State', cls: 'state', sig: (u) => `${u.active}:${u.deactivated_at}`,
        cell: (u) => (u.active === false || u.deactivated_at
          ? [h('span', { class: 'chip chip-bad' }, 'Deactivated'), u.deactivated_at ? [' ', timeEl(u.deactivated_at)] : null]
          : h('span', { class: 'chip chip-ok' }, 'Active')),
      },
      { label: 'Since', sig: (u) => String(u.created_at), cell: (u) => timeEl(u.created_at) },
      { label: 'Last seen', sig: (u) => String(u.last_seen_at), cell: (u) => timeEl(u.last_seen_at) },
      { label: 'Bots', cls: 'num', cell: (u) => num(u.bots) },
      { label: 'Fights', cls: 'num', cell: (u) => num(u.fights) },
      { label: 'Actions', cls: 'actions', sig: (u) => `${u.id}:${u.role}:${u.active}:${u.deactivated_at}`, cell: actions },
    ],
  });

  const section = {
    node: h('div', { class: 'console-users' },
      h('h2', null, 'Users'),
      h('form', {
        class: 'console-search', role: 'search',
        onsubmit: (e) => { e.preventDefault(); page = 1; section.refresh().catch((ex) => showError(err, ex)); },
      },
      h('div', { class: 'field' }, h('label', { for: q.id }, 'Search users'), q),
      h('button', { type: 'submit', class: 'btn' }, 'Search')),
      err, count, table.node, pagerBox),
    async refresh() {
      const r = await api.get(`/api/admin/users${qs({ q: q.value.trim(), page: page > 1 ? page : '', per_page: USERS_PER_PAGE })}`);
      const items = r.items || [];
      table.update(items);
      const total = r.total ?? items.length;
      const matching = q.value.trim() ? (total === 1 ? ' matches' : ' match') : '';
      count.textContent = `${total} ${total === 1 ? 'user' : 'users'}${matching}.`;
      replace(pagerBox, pagerButtons(page, total, r.per_page || USERS_PER_PAGE, (p) => { page = p; section.refresh().catch((ex) => showError(err, ex)); }));
    },
  };
  // Search as one types, a moment after the last key.
  q.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { page = 1; err.textContent = ''; section.refresh().catch((ex) => showError(err, ex)); }, 300);
  });
  section.stop = () => clearTimeout(searchTimer);
  return section;
}

// ---- Games ----
function gamesSection() {
  const err = errorBox();
  function hideButton(g) {
    const verb = g.hidden ? 'Show' : 'Hide';
    const b = h('button', { type: 'button', class: `btn btn-small ${g.hidden ? '' : 'btn-secondary'}`, 'aria-label': `${verb} ${g.title}` }, verb);
    b.addEventListener('click', () => guarded(b, async () => {
      err.textContent = '';
      try {
        await api.post(`/api/admin/games/${g.kind}/${encodeURIComponent(g.id)}/${g.hidden ? 'show' : 'hide'}`);
        toast(`${g.title} is ${g.hidden ? 'offered again' : 'hidden'}.`);
        await section.refresh();
      } catch (ex) { showError(err, ex); }
    }));
    return b;
  }
  const mk = (kind) => liveTable({
    caption: kind === 'builtin' ? 'Built-in games' : 'Arcade games',
    empty: 'None.',
    key: (g) => `${g.kind}:${g.id}`,
    rowClass: (g) => (g.hidden ? 'console-hidden' : ''),
    columns: [
      {
        label: 'Game', cls: 'game', sig: (g) => `${g.id}:${g.title}`,
        cell: (g) => link(kind === 'builtin' ? `/game/${encodeURIComponent(g.id)}` : `/arcade/${encodeURIComponent(g.id)}`, String(g.title || g.id)),
      },
      { label: kind === 'builtin' ? 'Name' : 'Id', cls: 'mono', cell: (g) => String(g.id) },
      ...(kind === 'arcade' ? [{
        label: 'Owner', cls: 'owner', sig: (g) => `${g.owner}:${!!g.owner_hidden}`,
        cell: (g) => [String(g.owner || '—'), g.owner_hidden ? h('span', { class: 'muted small' }, ' (hidden by its owner)') : null],
      }] : []),
      { label: kind === 'builtin' ? 'Fights' : 'Plays', cls: 'num', cell: (g) => num(kind === 'builtin' ? g.fights : g.plays) },
      { label: 'Offered', cls: 'state', sig: (g) => String(!!g.hidden), cell: (g) => (g.hidden ? h('span', { class: 'chip chip-bad' }, 'Hidden') : h('span', { class: 'chip chip-ok' }, 'Offered')) },
      { label: 'Actions', cls: 'actions', sig: (g) => `${g.kind}:${g.id}:${!!g.hidden}:${g.title}`, cell: hideButton },
    ],
  });
  const builtin = mk('builtin');
  const arcade = mk('arcade');
  const section = {
    node: h('div', { class: 'console-games' },
      h('h2', null, 'Games'),
      h('p', { class: 'muted' }, 'A hidden game is not offered for new fights or plays; its history stays. An arcade game hidden here is hidden for everyone, its owner too, who cannot show it again.'),
      err,
      h('section', { class: 'console-games-builtin', 'aria-label': 'Built-in games' }, h('h3', null, 'Built-in'), builtin.node),
      h('section', { class: 'console-games-arcade', 'aria-label': 'Arcade games' }, h('h3', null, 'Arcade'), arcade.node)),
    async refresh() {
      const r = await api.get('/api/admin/games');
      const items = r.items || [];
      builtin.update(items.filter((g) => g.kind === 'builtin'));
      arcade.update(items.filter((g) => g.kind !== 'builtin'));
    },
  };
  return section;
}

// ---- Health ----
function jsonList(v) {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' && v.trim()) {
    try { const x = JSON.parse(v); return Array.isArray(x) ? x : x && typeof x === 'object' ? Object.entries(x).map(([k, y]) => `${k}: ${typeof y === 'string' ? y : JSON.stringify(y)}`) : [v]; } catch { return [v]; }
  }
  if (v && typeof v === 'object') return Object.entries(v).map(([k, y]) => `${k}: ${typeof y === 'string' ? y : JSON.stringify(y)}`);
  return [];
}
const itemText = (x) => (typeof x === 'string' ? x : x && typeof x === 'object' ? (x.line || x.message || x.name || JSON.stringify(x)) : String(x));

// A sandbox layer as the simulator reports it ({layer, active, detail}), or text.
function layerItem(x) {
  if (x && typeof x === 'object' && x.layer) {
    return h('li', { class: x.active === false ? 'console-layer-off' : 'console-layer-on' },
      h('strong', null, String(x.layer)), x.active === false ? ' (off)' : '', x.detail ? `: ${x.detail}` : '');
  }
  return h('li', null, itemText(x));
}

// A <details> that keeps itself (and its open state) across refreshes: only its text changes.
function keptDetails(summaryText) {
  const summary = h('summary', null, summaryText);
  const body = h('pre', { class: 'console-log' });
  const el = h('details', { class: 'console-details' }, summary, body);
  return { el, summary, body };
}

function healthSection(ctx) {
  const err = errorBox();
  const status = h('p', { class: 'muted small console-updated', role: 'status' });
  const errorsBoxes = new Map();
  const slots = (busyN, total) => (total === undefined || total === null ? '—' : `${num(busyN)} of ${total}`);
  const services = liveTable({
    caption: 'Services',
    empty: 'No service has reported yet.',
    key: (s) => `${s.kind}:${s.name}`,
    rowClass: (s) => (s.up ? '' : 'console-down'),
    columns: [
      { label: 'Service', cls: 'service', sig: (s) => `${s.kind}:${s.name}`, cell: (s) => h('div', null, h('strong', null, s.kind), h('br'), h('span', { class: 'mono small' }, String(s.name || ''))) },
      {
        label: 'State', cls: 'state', sig: (s) => `${!!s.up}:${s.state}`,
        cell: (s) => (s.up ? h('span', { class: 'chip chip-ok' }, 'Up') : h('span', { class: 'chip chip-bad' }, s.state === 'stopped' ? 'Stopped' : 'Down')),
      },
      { label: 'Heartbeat', cls: 'age num', cell: (s) => (s.age_ms == null ? '—' : `${fmtDuration(s.age_ms)} ago`) },
      { label: 'Host · pid', cls: 'small host', cell: (s) => [s.host, s.pid].filter((x) => x !== undefined && x !== null && x !== '').join(' · ') || '—' },
      { label: 'Started', sig: (s) => String(s.started_at), cell: (s) => timeEl(s.started_at) },
      {
        label: 'Slots', cls: 'slots',
        cell: (s) => [s.slots != null ? `fights ${slots(s.slots_busy, s.slots)}` : '', s.arcade_slots != null ? `arcade ${slots(s.arcade_busy, s.arcade_slots)}` : '']
          .filter(Boolean).join(', ') || '—',
      },
      {
        label: 'Layers', cls: 'layers', sig: (s) => JSON.stringify(s.layers ?? null),
        cell: (s) => {
          const list = jsonList(s.layers);
          return list.length ? h('ul', { class: 'console-layers' }, list.map(layerItem)) : '—';
        },
      },
    ],
  });
  // Each service's last warn and error lines, below the table (long lines
  // need the width): one <details> each, kept (open or not) across refreshes.
  const errorsList = h('ul', { class: 'plain console-errors' });
  const groups = liveTable({
    caption: 'Consumer groups',
    empty: 'No consumer group.',
    key: (g) => `${g.stream}:${g.group}`,
    columns: [
      { label: 'Stream', cls: 'mono', cell: (g) => String(g.stream) },
      { label: 'Group', cls: 'mono', cell: (g) => String(g.group) },
      { label: 'Lag', cls: 'num lag', cell: (g) => num(g.lag) },
      { label: 'Pending', cls: 'num pending', cell: (g) => num(g.pending) },
      {
        label: 'Consumers', cls: 'consumers small', sig: (g) => JSON.stringify(g.consumers ?? null),
        cell: (g) => (Array.isArray(g.consumers)
          ? (g.consumers.length ? h('ul', { class: 'console-layers' }, g.consumers.map((c) => h('li', null, `${c.name}${c.pending ? ` (${c.pending} pending)` : ''}`))) : 'none')
          : num(g.consumers)),
      },
    ],
  });
  const streams = liveTable({
    caption: 'Streams',
    empty: 'No stream.',
    key: (s) => s.stream,
    columns: [
      { label: 'Stream', cls: 'mono', cell: (s) => String(s.stream) },
      { label: 'Length', cls: 'num', cell: (s) => num(s.length) },
    ],
  });
  return {
    node: h('div', { class: 'console-health' },
      h('h2', null, 'Health'),
      h('p', { class: 'muted' }, 'Each service\'s heartbeat (a service is down when its heartbeat is missing or late), the consumer groups\' lag and pending entries, the streams; updated every 1.5 s while this tab shows.'),
      err, status,
      h('h3', null, 'Services'), services.node,
      h('h3', null, 'Last errors'),
      h('p', { class: 'muted small' }, 'The last warn and error lines each service logged.'),
      errorsList,
      h('div', { class: 'grid grid-2' },
        h('div', null, h('h3', null, 'Consumer groups'), groups.node),
        h('div', null, h('h3', null, 'Streams'), streams.node))),
    async refresh() {
      const r = await api.get('/api/admin/health');
      if (!ctx.isCurrent()) return;
      const list = r.services || [];
      services.update(list);
      const seen = new Set();
      list.forEach((s, i) => {
        const k = `${s.kind}:${s.name}`;
        seen.add(k);
        let d = errorsBoxes.get(k);
        if (!d) {
          d = keptDetails('');
          d.label = h('strong', null, `${s.kind} ${s.name || ''}`);
          d.count = h('span', { class: 'muted' });
          d.summary.replaceChildren(d.label, ': ', d.count);
          d.el.dataset.key = k;
          d.li = h('li', null, d.el);
          errorsBoxes.set(k, d);
        }
        if (errorsList.children[i] !== d.li) errorsList.insertBefore(d.li, errorsList.children[i] || null);
        const lines = jsonList(s.last_errors).map(itemText);
        const text = lines.join('\n');
        const summary = lines.length ? `${lines.length} ${lines.length === 1 ? 'line' : 'lines'}` : 'none';
        if (d.count.textContent !== summary) d.count.textContent = summary;
        if (d.body.textContent !== text) d.body.textContent = text;
        d.body.hidden = !lines.length;
      });
      for (const [k, d] of errorsBoxes) if (!seen.has(k)) { d.li.remove(); errorsBoxes.delete(k); }
      groups.update(r.groups || []);
      streams.update(r.streams || []);
      status.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    },
  };
}

// ---- Actions: the record ----
function actionsSection() {
  const err = errorBox();
  const pagerBox = h('div');
  let page = 1;
  const table = liveTable({
    caption: 'Operator actions, newest first',
    empty: 'No operator action yet.',
    key: (a) => a.id,
    columns: [
      { label: 'When', sig: (a) => String(a.at), cell: (a) => timeSec(a.at) },
      { label: 'Operator', cell: (a) => String(a.operator || '—') },
      { label: 'Action', cls: 'mono action', cell: (a) => String(a.action) },
      { label: 'Target', cls: 'target', cell: (a) => String(a.target || '—') },
      {
        label: 'Detail', cls: 'detail small mono',
        cell: (a) => {
          const d = a.detail;
          if (d === null || d === undefined || (typeof d === 'object' && Object.keys(d).length === 0)) return '';
          if (typeof d !== 'object' || Array.isArray(d)) return typeof d === 'string' ? d : JSON.stringify(d);
          return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
        },
      },
    ],
  });
  const section = {
    node: h('div', { class: 'console-actions' },
      h('h2', null, 'Operator actions'),
      h('p', { class: 'muted' }, 'Everything an operator did here or on the command line: who, what, on what, when.'),
      err, table.node, pagerBox),
    async refresh() {
      const r = await api.get(`/api/admin/actions${qs({ page: page > 1 ? page : '', per_page: ACTIONS_PER_PAGE })}`);
      const items = r.items || [];
      table.update(items);
      replace(pagerBox, r.total != null
        ? pagerButtons(page, r.total, r.per_page || ACTIONS_PER_PAGE, (p) => { page = p; section.refresh().catch((ex) => showError(err, ex)); })
        : null);
    },
  };
  return section;
}

function operatorsOnly() {
  return h('section', { class: 'narrow card console-refused' },
    h('h1', null, 'Console'),
    h('p', { class: 'lead' }, 'This page is for operators only.'),
    h('p', null, 'Operators see the running fights and plays, the dead letters, the users and the services\' health here. Ask an operator if you need the role.'),
    link('/', 'Go to the start page', { class: 'btn' }));
}

export async function page(ctx) {
  ctx.title = 'Console';
  if (!session.user || session.user.operator !== true) return operatorsOnly();

  const makers = {
    running: () => runningSection(ctx, { soon: () => schedule(true, SOON_MS) }), recent: recentSection, dead: deadSection, users: usersSection,
    games: gamesSection, health: () => healthSection(ctx), actions: actionsSection,
  };
  const sections = {};
  const tabs = [];
  const panels = [];
  const loaded = new Set();
  const wanted = ctx.query.get('tab');
  let current = TABS.some((t) => t.id === wanted) ? wanted : 'running';
  let timer = 0;
  let inflight = false;
  let left = false;

  const tablist = h('div', { class: 'console-tabs', role: 'tablist', 'aria-label': 'Console sections' });
  for (const t of TABS) {
    const tab = h('button', {
      type: 'button', role: 'tab', id: `console-tab-${t.id}`, 'aria-controls': `console-panel-${t.id}`,
      'aria-selected': 'false', tabindex: '-1', dataset: { tab: t.id },
    }, t.label);
    tab.addEventListener('click', () => select(t.id, { focus: false }));
    tabs.push(tab);
    tablist.appendChild(tab);
    const panel = h('section', { role: 'tabpanel', id: `console-panel-${t.id}`, 'aria-labelledby': `console-tab-${t.id}`, tabindex: '0', hidden: true, class: 'console-panel' });
    panels.push(panel);
  }
  // Arrow keys move between tabs (and show them), Home and End go to the ends.
  tablist.addEventListener('keydown', (e) => {
    const i = TABS.findIndex((t) => t.id === current);
    let n = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') n = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') n = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') n = 0;
    else if (e.key === 'End') n = TABS.length - 1;
    if (n === null) return;
    e.preventDefault();
    select(TABS[n].id, { focus: true });
  });

  async function load(id, { quiet = false } = {}) {
    const s = sections[id];
    const idx = TABS.findIndex((t) => t.id === id);
    try {
      await s.refresh();
      if (!loaded.has(id)) {
        loaded.add(id);
        replace(panels[idx], s.node);
      }
    } catch (ex) {
      if (left) return;
      if (ex.status === 403) { replace(panels[idx], h('p', { class: 'form-error', role: 'alert' }, 'This page is for operators only.')); return; }
      if (!loaded.has(id)) {
        replace(panels[idx], h('p', { class: 'form-error', role: 'alert' }, `Could not load ${TABS[idx].label.toLowerCase()}: ${ex.message}`),
          h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => load(id) }, 'Try again'));
      } else if (!quiet) toast(ex.message, 'error');
      else {
        const st = panels[idx].querySelector('.console-updated');
        if (st) st.textContent = `Could not refresh: ${ex.message}`;
      }
    }
  }

  function select(id, { focus }) {
    current = id;
    TABS.forEach((t, i) => {
      const on = t.id === id;
      tabs[i].setAttribute('aria-selected', String(on));
      tabs[i].tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
    });
    if (focus) tabs[TABS.findIndex((t) => t.id === id)].focus();
    const u = new URL(location.href);
    u.searchParams.set('tab', id);
    history.replaceState(null, '', u.pathname + u.search);
    if (!sections[id]) sections[id] = makers[id]();
    if (!loaded.has(id)) {
      const idx = TABS.findIndex((t) => t.id === id);
      replace(panels[idx], h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    }
    // The live tabs are refreshed by the timer; the others each time they are opened.
    load(id, { quiet: true });
    schedule(true);
  }

  // The one timer: a chain of setTimeout, the next set after the answer.
  function schedule(restart = false, delay = 0) {
    if (restart) { clearTimeout(timer); timer = 0; }
    if (left || timer || document.hidden) return;
    if (!TABS.find((t) => t.id === current).live) return;
    const s = sections[current];
    timer = setTimeout(tick, delay || (s && s.urgent && s.urgent() ? SOON_MS : REFRESH_MS));
  }
  async function tick() {
    timer = 0;
    if (left || document.hidden || inflight) return;
    const id = current;
    if (!TABS.find((t) => t.id === id).live) return;
    inflight = true;
    try { await load(id, { quiet: true }); } finally { inflight = false; }
    schedule();
  }
  function onVisibility() {
    if (document.hidden) { clearTimeout(timer); timer = 0; return; }
    // Back: fresh at once, then the usual pace.
    if (TABS.find((t) => t.id === current).live && !inflight) tick();
  }
  document.addEventListener('visibilitychange', onVisibility);
  ctx.onLeave(() => {
    left = true;
    clearTimeout(timer);
    timer = 0;
    document.removeEventListener('visibilitychange', onVisibility);
    for (const s of Object.values(sections)) if (s.stop) s.stop();
  });

  const node = h('section', { class: 'console' },
    h('div', { class: 'page-head' }, h('h1', null, 'Console'),
      h('p', { class: 'muted small console-who' }, `Operator: ${session.user.username}`)),
    tablist,
    panels);
  select(current, { focus: false });
  return node;
}
