// Fights: the public list (filters, pagination) and hosting a fight.
import { h, link, field, errorBox, busy, toast, uid, replace } from '../dom.js';
import { api, session, games, game, qs } from '../api.js';
import { fightTable, rememberGames, settingsForm, botSelect, STATE_TEXT, stateChip } from '../views.js';
import { onLive } from '../live.js';

const PER_PAGE = 20;

export async function list(ctx) {
  ctx.title = 'Fights';
  const all = await games();
  rememberGames(all);
  const q = ctx.query;
  const filters = {
    game: q.get('game') || '', state: q.get('state') || '', user: q.get('user') || '',
    mine: session.user && q.get('mine') === '1' ? '1' : '',
  };
  const page = Math.max(1, parseInt(q.get('page') || '1', 10) || 1);
  const perPage = Math.min(100, Math.max(1, parseInt(q.get('per_page') || '', 10) || PER_PAGE));
  if (perPage !== PER_PAGE) filters.per_page = perPage; // kept by the pager's links
  const r = await api.get(`/api/fights${qs({ ...filters, page, per_page: perPage })}`);
  const total = r.total || 0;
  // total is a lower bound when the API stops counting (total_exact false):
  // the pager then follows has_more instead of a page count.
  const exact = r.total_exact !== false;
  const pages = Math.max(1, Math.ceil(total / (r.per_page || perPage)));
  const hasNext = typeof r.has_more === 'boolean' ? r.has_more : page < pages;

  const gameSel = h('select', { name: 'game' }, h('option', { value: '' }, 'All games'),
    all.map((g) => h('option', { value: g.name, selected: g.name === filters.game }, g.title || g.name)));
  const stateSel = h('select', { name: 'state' }, h('option', { value: '' }, 'Any state'),
    Object.entries(STATE_TEXT).map(([k, v]) => h('option', { value: k, selected: k === filters.state }, v)));
  const userIn = h('input', { type: 'search', name: 'user', value: filters.user, autocomplete: 'off', maxlength: '32', placeholder: 'username' });
  const mine = session.user ? h('input', { type: 'checkbox', name: 'mine', id: 'f-mine', value: '1', checked: filters.mine === '1' }) : null;
  const form = h('form', { class: 'card filters', role: 'search', 'aria-label': 'Filter fights' },
    field('Game', gameSel), field('State', stateSel), field('Player', userIn),
    h('div', { class: 'field' },
      mine ? h('div', { class: 'choice' }, mine, h('label', { for: 'f-mine' }, 'Only my fights')) : null,
      h('button', { type: 'submit', class: 'btn' }, 'Filter')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.navigate(`/fights${qs({ game: gameSel.value, state: stateSel.value, user: userIn.value.trim(), mine: mine && mine.checked ? '1' : '', per_page: filters.per_page })}`);
  });

  const pageLink = (p, text, rel) => link(`/fights${qs({ ...filters, page: p })}`, text, { class: 'btn btn-secondary btn-small', rel });
  const pager = page > 1 || hasNext ? h('nav', { class: 'pager', 'aria-label': 'Pages' },
    page > 1 ? pageLink(page - 1, '← Newer', 'prev') : null,
    h('span', { 'aria-current': 'page' }, exact ? `Page ${page} of ${pages}` : `Page ${page}`),
    hasNext ? pageLink(page + 1, 'Older →', 'next') : null) : null;

  const table = fightTable(r.fights, { empty: 'No fights match.', caption: 'Fights' });
  liveStates(ctx, table);

  return h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, 'Fights'),
      session.user ? link('/fights/new', 'Host a fight', { class: 'btn' }) : null),
    form,
    h('p', { class: 'muted small', role: 'status' }, exact ? `${total} fight${total === 1 ? '' : 's'}` : `${total}+ fights`),
    table, pager);
}

// Rows of my fights update their state chip from the live stream.
export function liveStates(ctx, root) {
  const off = onLive('status', (ev) => {
    const row = root.querySelector(`[data-fight="${CSS.escape(ev.id)}"] .state-cell`);
    if (!row) return;
    replace(row, stateChip(ev.state, ev.tick));
  });
  ctx.onLeave(off);
}

export async function host(ctx) {
  ctx.title = 'Host a fight';
  const all = await games();
  rememberGames(all);
  if (!all.length) return h('section', null, h('h1', null, 'Host a fight'), h('p', { class: 'empty' }, 'No games are installed.'));
  const want = ctx.query.get('game');
  const wantBot = ctx.query.get('bot');
  const gameSel = h('select', { id: 'host-game', name: 'game' },
    all.map((g) => h('option', { value: g.name, selected: g.name === want }, g.title || g.name)));
  const err = errorBox();
  const gameBox = h('div');
  const account = await api.get('/api/account').catch(() => ({}));
  const pub = h('input', { type: 'checkbox', id: 'host-public', name: 'public', checked: account.fights_public_default !== false });
  const invite = inviteBox();
  const submit = h('button', { type: 'submit', class: 'btn' }, 'Host fight');
  let current = null; // {g, settings, bot}

  async function loadGame() {
    replace(gameBox, h('p', { class: 'loading', role: 'status' }, 'Loading game…'));
    const name = gameSel.value;
    try {
      const [g, b] = await Promise.all([game(name), api.get(`/api/bots?game=${encodeURIComponent(name)}`)]);
      if (gameSel.value !== name) return;
      const settings = settingsForm(g.settings);
      const bot = botSelect(b.bots || [], { id: 'host-bot', label: 'Your bot', game: name });
      if (bot.select && wantBot) bot.select.value = wantBot;
      current = { g, settings, bot };
      replace(gameBox, 
        h('p', { class: 'muted' }, `${g.summary || ''} ${g.min_players === g.max_players ? g.min_players : `${g.min_players}–${g.max_players}`} players, you included.`),
        bot.node,
        h('fieldset', null, h('legend', null, 'Settings'), settings.node));
      submit.disabled = !bot.select;
    } catch (ex) { replace(gameBox, h('p', { class: 'form-error' }, ex.message)); }
  }
  gameSel.addEventListener('change', loadGame);

  const form = h('form', { novalidate: true }, err,
    field('Game', gameSel), gameBox,
    h('fieldset', null, h('legend', null, 'Players'), invite.node),
    h('div', { class: 'choice field' }, pub, h('label', { for: 'host-public' }, 'Public: anyone can watch this fight')),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    if (!current || !current.bot.select) { err.textContent = 'Choose one of your bots for this game.'; return; }
    const s = current.settings.read();
    if (s.error) { err.textContent = s.error; s.input.focus(); return; }
    const names = invite.names();
    // More invitations than seats is fine: the host starts once enough accepted.
    await busy(submit, async () => {
      try {
        const f = await api.post('/api/fights', {
          game: current.g.name, bot_id: Number(current.bot.select.value), settings: s.settings, public: pub.checked, invite: names,
        });
        toast(names.length ? 'Fight hosted; invitations sent.' : 'Fight hosted.');
        ctx.navigate(`/fights/${f.id}`);
      } catch (ex) { err.textContent = ex.message; err.scrollIntoView({ block: 'nearest' }); }
    });
  });
  loadGame();
  return h('section', { class: 'narrow-wide' },
    h('h1', null, 'Host a fight'),
    h('p', { class: 'muted' }, 'Choose a game and your bot, invite other players, then start the fight once they accept. ',
      'Or ', link('/game', 'play now against a house bot'), ' from a game\'s page.'),
    h('div', { class: 'card' }, form));
}

// Username search with suggestions (a combobox-like list) and chosen names as removable tags.
export function inviteBox({ onAdd } = {}) {
  const id = uid('invite');
  const chosen = [];
  // A plain list of buttons (not an ARIA listbox): each match is a real button,
  // reachable with Down/Up or Tab, and the count is announced by a status line.
  const input = h('input', {
    type: 'search', id, autocomplete: 'off', maxlength: '32', spellcheck: 'false', autocapitalize: 'none',
    'aria-controls': `${id}-list`, 'aria-describedby': `${id}-hint`,
  });
  const listEl = h('ul', { class: 'suggestions', id: `${id}-list`, 'aria-label': 'Matching users' });
  const tags = h('ul', { class: 'tags', 'aria-label': 'Invited players' });
  const status = h('p', { class: 'visually-hidden', role: 'status' });
  const addBtn = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Invite');
  let timer = null;
  let seq = 0;

  function renderTags() {
    replace(tags, ...chosen.map((n) => h('li', null, n,
      h('button', { type: 'button', 'aria-label': `Remove ${n}`, onclick: () => { chosen.splice(chosen.indexOf(n), 1); renderTags(); input.focus(); } }, '×'))));
  }
  function add(name) {
    const n = name.trim();
    if (!n) return;
    if (!chosen.some((c) => c.toLowerCase() === n.toLowerCase())) chosen.push(n);
    renderTags();
    replace(listEl);
    input.value = '';
    status.textContent = `${n} added.`;
    if (onAdd) onAdd(n);
    input.focus();
  }
  async function search() {
    const q = input.value.trim();
    const mySeq = ++seq;
    if (!q) { replace(listEl); return; }
    try {
      const r = await api.get(`/api/users${qs({ q })}`);
      if (mySeq !== seq) return;
      const users = (r.users || []).filter((u) => !chosen.some((c) => c.toLowerCase() === u.username.toLowerCase()));
      replace(listEl, ...users.map((u) => h('li', null,
        h('button', { type: 'button', onclick: () => add(u.username) }, u.username))));
      status.textContent = users.length ? `${users.length} matching user${users.length > 1 ? 's' : ''}; press Down to choose one.` : 'No matching user.';
    } catch { /* searching is best effort; typing the full name still works */ }
  }
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); if (input.value.trim()) add(input.value); }
    if (e.key === 'ArrowDown') { const b = listEl.querySelector('button'); if (b) { e.preventDefault(); b.focus(); } }
    if (e.key === 'Escape') replace(listEl);
  });
  listEl.addEventListener('keydown', (e) => {
    const buttons = [...listEl.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i < buttons.length - 1) { e.preventDefault(); buttons[i + 1].focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); if (i > 0) buttons[i - 1].focus(); else input.focus(); }
    if (e.key === 'Escape') { input.focus(); }
  });
  addBtn.addEventListener('click', () => add(input.value));

  const node = h('div', { class: 'field' },
    h('label', { for: id }, 'Invite players by username'),
    h('div', { class: 'row invite-row' }, input, addBtn),
    h('span', { class: 'hint', id: `${id}-hint` }, 'Type to search; press Enter or Invite to add. You can host alone and invite later.'),
    listEl, tags, status);
  return { node, names: () => [...chosen], input };
}

