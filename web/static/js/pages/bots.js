// Bots: my bots, uploading (file or paste), versions, rename, download,
// and the code editor (view, edit, save as a new version, test run).
import { h, link, field, errorBox, okBox, busy, toast, fmtDate, fmtBytes, download, replace, uid } from '../dom.js';
import { api, games, game } from '../api.js';
import { rememberGames, gameTitle, confirmDialog } from '../views.js';
import { playNowCard } from './games.js';
import { botCard as ladderCard } from './ladder.js';
import { mountEditor, KEYBOARD_HINT } from '../editor.js';
import { showTestRun } from '../testrun.js';

const NAME_RE = /^[A-Za-z0-9 _.-]{1,64}$/;

export async function list(ctx) {
  ctx.title = 'My bots';
  const [r, all] = await Promise.all([api.get('/api/bots'), games()]);
  rememberGames(all);
  const bots = r.bots || [];
  return h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, 'My bots'), link('/bots/new', 'Upload a bot', { class: 'btn' })),
    botList(bots));
}

export function botList(bots) {
  if (!bots.length) return h('p', { class: 'empty' }, 'No bots yet. ', link('/bots/new', 'Upload your first bot'), '.');
  return h('ul', { class: 'plain card' }, bots.map((b) => h('li', { class: 'item-line' },
    h('span', null, link(`/bots/${b.id}`, b.name, { class: 'title' }), ' ',
      h('span', { class: 'muted small' }, `${gameTitle(b.game)} · version ${b.latest_version}`)),
    h('span', { class: 'muted small' }, `updated ${fmtDate(b.updated_at || b.created_at)}`))));
}

// Code comes either from a chosen file or from the text area; returns a
// FormData (file) or a JSON body, or an error message.
function codeInput(idPrefix) {
  const fileInput = h('input', { type: 'file', id: `${idPrefix}-file`, name: 'file', accept: '.py,text/x-python,text/plain' });
  const area = h('textarea', { id: `${idPrefix}-code`, name: 'code', class: 'code', spellcheck: 'false', autocapitalize: 'none', placeholder: 'class Main:\n    def ...' });
  const node = h('fieldset', null, h('legend', null, 'Code'),
    h('p', { class: 'hint muted small' }, 'Choose a Python file, or paste the code. A file wins if you give both. Up to 1 MiB.'),
    field('Python file', fileInput),
    field('Or paste the code', area));
  return {
    node,
    read() {
      const f = fileInput.files && fileInput.files[0];
      if (f) return { file: f };
      if (area.value.trim() === '') return { error: 'Choose a file or paste some code.', focus: area };
      return { code: area.value };
    },
    reset() { fileInput.value = ''; area.value = ''; },
    setText(text) { fileInput.value = ''; area.value = text; },
  };
}

function sizeMessage(ex) {
  // 413: say it plainly, whatever the server's words.
  if (ex.status === 413) {
    const m = ex.message.replace(/\.?$/, '.');
    return `Too large: ${m.charAt(0).toLowerCase()}${m.slice(1)} Make the file smaller (the limit is 1 MiB).`;
  }
  return ex.message;
}

export async function create(ctx) {
  ctx.title = 'Upload a bot';
  const all = await games();
  rememberGames(all);
  const want = ctx.query.get('game');
  const err = errorBox();
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '64', autocomplete: 'off' });
  const gameSel = h('select', { name: 'game', required: true }, all.map((g) => h('option', { value: g.name, selected: g.name === want }, g.title || g.name)));
  const code = codeInput('new');
  const submit = h('button', { type: 'submit', class: 'btn' }, 'Upload bot');
  // Fills the text area with the chosen game's starter template, to edit or upload as is.
  const starter = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Paste the starter template');
  starter.addEventListener('click', () => busy(starter, async () => {
    err.textContent = '';
    try {
      const g = await game(gameSel.value);
      const t = (g.templates || []).find((x) => !/empty|idle|noop/i.test(x.name)) || (g.templates || [])[0];
      if (!t) throw new Error('This game has no starter template.');
      code.setText(await api.text(t.url));
      if (!name.value.trim()) name.value = t.name.replace(/\.py$/, '').replace(/[^A-Za-z0-9 _.-]/g, ' ').slice(0, 64);
      toast(`Template ${t.name} pasted below.`);
    } catch (ex) { err.textContent = ex.message; }
  }));
  const form = h('form', { novalidate: true }, err,
    field('Name', name, 'Up to 64 letters, digits, spaces, _ - or .'),
    field('Game', gameSel),
    h('p', null, starter),
    code.node, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    name.removeAttribute('aria-invalid');
    if (!NAME_RE.test(name.value.trim())) {
      err.textContent = 'Give the bot a name: 1 to 64 letters, digits, spaces, _ - or .';
      name.setAttribute('aria-invalid', 'true'); name.focus(); return;
    }
    const c = code.read();
    if (c.error) { err.textContent = c.error; c.focus.focus(); return; }
    await busy(submit, async () => {
      try {
        let body;
        if (c.file) {
          body = new FormData();
          body.append('name', name.value.trim());
          body.append('game', gameSel.value);
          body.append('file', c.file, c.file.name);
        } else body = { name: name.value.trim(), game: gameSel.value, code: c.code };
        const bot = await api.post('/api/bots', body);
        toast(`Bot ${bot.name} uploaded.`);
        ctx.navigate(`/bots/${bot.id}`);
      } catch (ex) { err.textContent = sizeMessage(ex); }
    });
  });
  return h('section', { class: 'narrow-wide' },
    h('h1', null, 'Upload a bot'),
    h('p', { class: 'muted' }, 'A bot is a Python module with a class ', h('code', null, 'Main'), '. Start from a game\'s template: see ',
      link('/game', 'the games'), '.'),
    h('div', { class: 'card' }, form));
}

export async function detail(ctx) {
  const bot = await api.get(`/api/bots/${encodeURIComponent(ctx.params.id)}`);
  ctx.title = bot.name;
  const all = await games();
  rememberGames(all);
  const g = all.find((x) => x.name === bot.game) || { name: bot.game, title: bot.game, templates: [] };
  const heading = h('h1', null, bot.name);

  // Rename
  const rerr = errorBox();
  const rok = okBox();
  const rname = h('input', { type: 'text', name: 'name', value: bot.name, required: true, maxlength: '64' });
  const rbtn = h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Rename');
  const rename = h('form', { novalidate: true }, rerr, rok, field('Name', rname), rbtn);
  rename.addEventListener('submit', async (e) => {
    e.preventDefault();
    rerr.textContent = ''; rok.textContent = '';
    if (!NAME_RE.test(rname.value.trim())) { rerr.textContent = 'Names are 1 to 64 letters, digits, spaces, _ - or .'; rname.focus(); return; }
    await busy(rbtn, async () => {
      try {
        const b = await api.patch(`/api/bots/${bot.id}`, { name: rname.value.trim() });
        heading.textContent = b.name;
        document.title = `${b.name} · Codefights`;
        playNowLabel(b);
        rok.textContent = 'Renamed.';
      } catch (ex) { rerr.textContent = ex.message; }
    });
  });

  // New version
  const verr = errorBox();
  const code = codeInput('ver');
  const vbtn = h('button', { type: 'submit', class: 'btn' }, 'Upload new version');
  const versionsBox = h('div');
  const upload = h('form', { novalidate: true }, verr, code.node, vbtn);
  upload.addEventListener('submit', async (e) => {
    e.preventDefault();
    verr.textContent = '';
    const c = code.read();
    if (c.error) { verr.textContent = c.error; c.focus.focus(); return; }
    await busy(vbtn, async () => {
      try {
        let body;
        if (c.file) { body = new FormData(); body.append('file', c.file, c.file.name); } else body = { code: c.code };
        const b = await api.post(`/api/bots/${bot.id}/versions`, body);
        code.reset();
        replace(versionsBox, versions(b));
        playNowLabel(b);
        editor.versionsChanged(b, { load: true });
        toast(`Version ${b.latest_version} uploaded.`);
      } catch (ex) { verr.textContent = sizeMessage(ex); }
    });
  });
  versionsBox.appendChild(versions(bot));

  let fullGame = null;
  try { fullGame = await game(bot.game); } catch { fullGame = g; }

  const editor = codeCard(ctx, bot, fullGame || g, (b) => { replace(versionsBox, versions(b)); playNowLabel(b); });

  return h('section', null,
    h('div', { class: 'page-head' }, heading,
      link(`/fights/new?game=${encodeURIComponent(bot.game)}&bot=${bot.id}`, 'Host a fight with it', { class: 'btn' })),
    h('p', { class: 'muted' }, `A bot for ${gameTitle(bot.game)} · created ${fmtDate(bot.created_at)}`),
    editor.node,
    h('div', { class: 'grid grid-2' },
      h('div', null,
        h('div', { class: 'card' }, h('h2', null, 'Versions'), versionsBox),
        playNowCard(ctx, fullGame || g, [bot]),
        ladderCard(bot)),
      h('div', null,
        h('div', { class: 'card' }, h('h2', null, 'Upload a new version'), upload),
        h('div', { class: 'card' }, h('h2', null, 'Rename'), rename))));
}

// The play-now card's choice says the bot's current name and version.
function playNowLabel(b) {
  const opt = document.querySelector(`#playnow-bot option[value="${b.id}"]`);
  if (opt) opt.textContent = `${b.name} (v${b.latest_version})`;
}

function versions(bot) {
  const list = [...(bot.versions || [])].sort((a, b) => b.version - a.version);
  if (!list.length) return h('p', { class: 'empty' }, 'No versions.');
  return untilChecked(bot, h('ul', { class: 'plain' }, list.map((v) => {
    const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Download', h('span', { class: 'visually-hidden' }, ` version ${v.version}`));
    btn.addEventListener('click', () => busy(btn, async () => {
      try {
        const text = await api.text(`/api/bots/${bot.id}/code?version=${v.version}`);
        download(`${bot.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}-v${v.version}.py`, text);
      } catch (ex) { toast(ex.message, 'error'); }
    }));
    return h('li', { class: 'item-line' },
      h('span', null, h('span', { class: 'title' }, `Version ${v.version}`),
        v.version === bot.latest_version ? h('span', { class: 'chip chip-ok' }, 'latest') : null, ' ',
        checkChip(v.check), ' ',
        h('span', { class: 'muted small' }, `${fmtBytes(v.size)} · ${fmtDate(v.created_at)}`),
        v.check && v.check.status === 'failed' && v.check.message
          ? h('span', { class: 'check-message small' }, v.check.message) : null),
      btn);
  })));
}

// The code card: a version's code in the editor (Python highlighted), "Save
// as new version" (the editor's text becomes the latest version) and "Test
// run" (a private play-now fight of the latest version against the chosen
// house bot or one of one's own bots of the game, this one too, followed in
// place: state, result, verdicts, log, replay).
// Unsaved changes (or an older version shown) are saved as a new version
// before a test run, so what runs is what the editor shows. onVersions(bot) redraws the version list.
function codeCard(ctx, initial, g, onVersions) {
  let bot = initial;
  let shown = bot.latest_version; // the version the editor was loaded from
  let saved = null; // that version's text
  let ed = null;
  const err = errorBox();
  const status = h('p', { class: 'muted small editor-status', role: 'status' });
  const hintId = uid('editor-hint');
  const host = h('div', { class: 'editor-host' }, h('p', { class: 'loading', role: 'status' }, 'Loading the editor…'));
  const pickId = uid('editor-version');
  const pick = h('select', { id: pickId, name: 'version' });
  const save = h('button', { type: 'button', class: 'btn' }, 'Save as new version');
  const templates = g.templates || [];
  const preferred = templates.find((t) => !/empty|idle|noop/i.test(t.name)) || templates[0];
  const oppId = uid('testrun-opponent');
  // House bots, then one's own bots of the game (filled once they are known).
  const own = h('optgroup', { label: 'Your bots' });
  const opponent = h('select', { id: oppId, name: 'opponent' },
    h('optgroup', { label: 'House bots' },
      templates.map((t) => h('option', { value: `house:${t.name}`, selected: t === preferred }, `House bot: ${t.name}`))),
    own);
  const ownBots = (list) => {
    replace(own, list.map((b) => h('option', { value: `bot:${b.id}` }, b.id === bot.id ? `${b.name} (this bot, latest version)` : `${b.name} (v${b.latest_version})`)));
    own.hidden = !list.length;
  };
  ownBots([]);
  api.get(`/api/bots?game=${encodeURIComponent(bot.game)}`).then((r) => ownBots(r.bots || [])).catch(() => {});
  const run = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Test run');
  const runBox = h('div', { class: 'testrun' });
  let stopRun = null;
  ctx.onLeave(() => { if (stopRun) stopRun(); if (ed) ed.destroy(); });

  const dirty = () => ed && saved !== null && ed.text() !== saved;
  function fillPick() {
    const list = [...(bot.versions || [])].map((v) => v.version).sort((a, b) => b - a);
    if (!list.length) list.push(bot.latest_version);
    replace(pick, list.map((v) => h('option', { value: String(v), selected: v === shown }, `Version ${v}${v === bot.latest_version ? ' (latest)' : ''}`)));
  }
  function showStatus() {
    status.textContent = dirty() ? `Changed since version ${shown}: not saved yet.` : `Version ${shown}${shown === bot.latest_version ? ', the latest' : ''}.`;
  }
  async function load(version) {
    const text = await api.text(`/api/bots/${bot.id}/code?version=${version}`);
    shown = version;
    saved = text;
    if (ed) ed.setText(text);
    fillPick();
    showStatus();
    return text;
  }

  pick.addEventListener('change', async () => {
    const want = Number(pick.value);
    if (dirty() && !await confirmDialog({ title: 'Discard your changes?', message: `The editor has changes that are not saved. Load version ${want} instead?`, confirm: 'Discard and load' })) {
      pick.value = String(shown);
      return;
    }
    err.textContent = '';
    try { await load(want); } catch (ex) { err.textContent = ex.message; pick.value = String(shown); }
  });

  // Saves the editor's text as a new version; returns the bot, or null.
  async function saveNew() {
    const text = ed.text();
    if (text.trim() === '') { err.textContent = 'The code is empty: write some before saving.'; ed.focus(); return null; }
    const b = await api.post(`/api/bots/${bot.id}/versions`, { code: text });
    bot = b;
    shown = b.latest_version;
    saved = text;
    fillPick();
    showStatus();
    onVersions(b);
    toast(`Version ${b.latest_version} saved.`);
    return b;
  }

  const doSave = () => busy(save, async () => {
    err.textContent = '';
    if (!ed) return;
    if (!dirty() && shown === bot.latest_version) { status.textContent = `Nothing changed since version ${shown}.`; return; }
    try { await saveNew(); } catch (ex) { err.textContent = ex.message; }
  });
  save.addEventListener('click', doSave);
  // Closing or reloading the tab with unsaved changes asks first.
  const guard = (e) => { if (dirty()) { e.preventDefault(); e.returnValue = ''; } };
  window.addEventListener('beforeunload', guard);
  ctx.onLeave(() => window.removeEventListener('beforeunload', guard));

  run.addEventListener('click', () => busy(run, async () => {
    err.textContent = '';
    if (!ed) return;
    try {
      // What runs is the latest version: the editor's text becomes it first.
      if (dirty() || shown !== bot.latest_version) { if (!await saveNew()) return; }
      const [kind, value] = opponent.value.split(/:(.*)/s);
      const body = kind === 'bot' ? { bot_id: bot.id, opponent_bot_id: Number(value) } : { bot_id: bot.id, template: value };
      const f = await api.post('/api/fights/play-now', body);
      if (stopRun) stopRun();
      stopRun = showTestRun(runBox, g, f.id);
    } catch (ex) { err.textContent = ex.message; }
  }));

  fillPick();
  const node = h('div', { class: 'card code-card' },
    h('h2', null, 'Code'),
    err,
    h('div', { class: 'row editor-bar' },
      h('div', { class: 'field' }, h('label', { for: pickId }, 'Show version'), pick),
      status),
    host,
    h('p', { class: 'hint muted small', id: hintId }, KEYBOARD_HINT),
    h('div', { class: 'row editor-actions' }, save,
      h('div', { class: 'field' }, h('label', { for: oppId }, 'Opponent'), opponent),
      run),
    runBox);

  (async () => {
    try {
      const text = await api.text(`/api/bots/${bot.id}/code?version=${shown}`);
      saved = text;
      if (!ctx.isCurrent()) return;
      ed = await mountEditor(host.appendChild(h('div', { class: 'editor' })), {
        doc: text, label: `Code of ${bot.name}`, describedBy: hintId, onChange: showStatus,
        onSave: () => { if (!save.disabled) doSave(); },
      });
      host.querySelector('.loading')?.remove();
      if (!ctx.isCurrent()) { ed.destroy(); ed = null; return; }
      showStatus();
    } catch (ex) {
      replace(host, h('p', { class: 'form-error' }, `The code could not be shown: ${ex.message}`));
    }
  })();

  return {
    node,
    // Another upload made a new version: show it unless the editor has changes.
    versionsChanged(b, { load: wantLoad } = {}) {
      bot = b;
      if (wantLoad && !dirty()) load(b.latest_version).catch((ex) => { err.textContent = ex.message; });
      else { fillPick(); showStatus(); }
    },
  };
}

// A version's check in the sandbox (GET /api/bots/{id}: versions[].check):
// a chip, none for a version uploaded before versions were checked. A
// failed check blocks nothing: the version still fights.
function checkChip(check) {
  if (!check) return null;
  if (check.status === 'checking') return h('span', { class: 'chip chip-wait' }, 'checking…');
  if (check.status === 'ok') return h('span', { class: 'chip chip-ok', title: 'It compiled, imported and played its first moves in the sandbox.' }, 'check ok');
  return h('span', { class: 'chip chip-bad', title: 'It still fights, but will fail the same way there.' }, 'check failed');
}

// The list of bot's versions, node: while one of them is being checked, it
// asks for the bot again every second and puts the fresh list in its place,
// until every check is known. So the page updates without a reload,
// wherever the list is shown; a list no longer on the page (left, or
// replaced by a newer one) stops asking.
function untilChecked(bot, node) {
  if (!(bot.versions || []).some((v) => v.check && v.check.status === 'checking')) return node;
  setTimeout(async () => {
    if (!node.isConnected) return;
    let fresh = bot;
    try { fresh = await api.get(`/api/bots/${bot.id}`); } catch { /* asked again in a second */ }
    if (node.isConnected) node.replaceWith(versions(fresh));
  }, 1000);
  return node;
}
