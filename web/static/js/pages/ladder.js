// The ladder (docs/ladder.md): each game's leaderboard, a bot's rating
// history and recent ladder fights (under its row, and on its owner's bot
// page), and the owner's card on the bot page: the bot's status on the
// ladder and "Enter the ladder" / "Leave the ladder".
import { h, link, replace, errorBox, busy, toast, uid, fmtDate, fmtShort } from '../dom.js';
import { api, games, qs } from '../api.js';
import { fightTable, gameTitle, rememberGames } from '../views.js';
import { lineChart, fmtNumber } from '../chart.js';

const PER_PAGE = 50;

export const PROVISIONAL_TEXT = 'Provisional: the rating is still uncertain (sigma above 2.5, about the first ten ladder games)';

function provisionalChip() {
  return h('span', { class: 'chip chip-provisional', title: PROVISIONAL_TEXT },
    'provisional', h('span', { class: 'visually-hidden' }, `: ${PROVISIONAL_TEXT}`));
}

export function ratingText(v) {
  return v == null ? '—' : fmtNumber(v);
}

// /ladder: the games, each with a link to its ladder.
export async function index(ctx) {
  ctx.title = 'Ladder';
  const all = await games();
  rememberGames(all);
  return h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, 'Ladder')),
    h('p', { class: 'muted' }, 'Each game has a rated ladder: owners enter their bots, the ladder matches them ' +
      'against bots of similar rating, and every result moves the ratings.'),
    all.length === 0 ? h('p', { class: 'empty' }, 'No games are installed.')
      : h('ul', { class: 'plain ladder-games' }, all.map((g) => h('li', { class: 'item-line' },
        link(`/ladder/${encodeURIComponent(g.name)}`, `${g.title || g.name} ladder`)))));
}

// /ladder/:game: the leaderboard, a page at a time; a row opens the bot's history.
export async function page(ctx) {
  const name = ctx.params.game;
  const all = await games();
  rememberGames(all);
  const q = ctx.query;
  const pageNo = Math.max(1, parseInt(q.get('page') || '1', 10) || 1);
  const r = await api.get(`/api/games/${encodeURIComponent(name)}/ladder${qs({ page: pageNo, per_page: PER_PAGE })}`);
  const title = `${gameTitle(name)} ladder`;
  ctx.title = title;
  const exact = r.total_exact !== false;
  const pages = Math.max(1, Math.ceil((r.total || 0) / (r.per_page || PER_PAGE)));
  const hasNext = typeof r.has_more === 'boolean' ? r.has_more : pageNo < pages;
  const pageLink = (p, text, rel) => link(`/ladder/${encodeURIComponent(name)}${qs({ page: p > 1 ? p : '' })}`, text, { class: 'btn btn-secondary btn-small', rel });
  const pager = pageNo > 1 || hasNext ? h('nav', { class: 'pager', 'aria-label': 'Pages' },
    pageNo > 1 ? pageLink(pageNo - 1, '← Higher', 'prev') : null,
    h('span', { 'aria-current': 'page' }, exact ? `Page ${pageNo} of ${pages}` : `Page ${pageNo}`),
    hasNext ? pageLink(pageNo + 1, 'Lower →', 'next') : null) : null;

  return h('section', { class: 'ladder-page' },
    h('div', { class: 'page-head' }, h('h1', null, title),
      link(`/game/${encodeURIComponent(name)}`, `About ${gameTitle(name)}`, { class: 'btn btn-secondary btn-small' })),
    h('p', { class: 'muted' }, 'Ranked by the conservative rating, mu − 3 sigma (TrueSkill): the skill the ladder is ' +
      'about 99.9 % sure a bot has. Equal ratings share a rank. A bot is provisional while its rating is still uncertain (about its first ten games). ' +
      'Open a bot to see its rating history and recent ladder fights.'),
    r.entries.length === 0
      ? h('p', { class: 'empty' }, pageNo > 1 ? 'No bots on this page.' : 'No bot is on this ladder yet. Owners enter their bots from their bot\'s page.')
      : boardTable(r.entries, title),
    pager);
}

function boardTable(entries, title) {
  const tbody = h('tbody');
  for (const e of entries) {
    const detailId = uid('ladder-bot');
    const open = h('button', { type: 'button', class: 'btn-link ladder-open', 'aria-expanded': 'false', 'aria-controls': detailId },
      e.bot, h('span', { class: 'visually-hidden' }, ': rating history and ladder fights'));
    const row = h('tr', { dataset: { bot: String(e.bot_id) } },
      h('td', { 'data-label': 'Rank', class: 'ladder-rank' }, String(e.rank)),
      h('td', { 'data-label': 'Bot' }, open, e.provisional ? [' ', provisionalChip()] : null),
      h('td', { 'data-label': 'Owner' }, e.owner),
      h('td', { 'data-label': 'Version' }, `v${e.version}`),
      h('td', { 'data-label': 'Rating', class: 'num' }, ratingText(e.rating)),
      h('td', { 'data-label': 'Games', class: 'num' }, String(e.games)));
    const cell = h('td', { colspan: '6', class: 'ladder-detail-cell' });
    const detail = h('tr', { id: detailId, class: 'ladder-detail', hidden: true }, cell);
    let loaded = false;
    open.addEventListener('click', () => {
      const expanded = open.getAttribute('aria-expanded') === 'true';
      open.setAttribute('aria-expanded', String(!expanded));
      detail.hidden = expanded;
      if (!expanded && !loaded) {
        loaded = true;
        replace(cell, botHistory(e.bot_id, { name: e.bot }));
      }
    });
    tbody.append(row, detail);
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list stack-sm ladder-table' },
    h('caption', { class: 'visually-hidden' }, title),
    h('thead', null, h('tr', null, ['Rank', 'Bot', 'Owner', 'Version', 'Rating', 'Games']
      .map((t) => h('th', { scope: 'col', class: t === 'Rating' || t === 'Games' ? 'num' : null }, t)))),
    tbody));
}

// A bot's rating history (a chart) and recent ladder fights, loaded into
// the node returned. data: the answer of /api/bots/{id}/ladder when the
// caller has it already.
export function botHistory(botId, { name, data } = {}) {
  const box = h('div', { class: 'ladder-history', 'aria-live': 'polite' }, h('p', { class: 'loading', role: 'status' }, 'Loading the history…'));
  const fill = (d) => replace(box, historyView(d, name || d.bot));
  if (data) fill(data);
  else {
    api.get(`/api/bots/${encodeURIComponent(botId)}/ladder`).then(fill)
      .catch((ex) => replace(box, h('p', { class: 'form-error', role: 'alert' }, ex.message)));
  }
  return box;
}

function historyView(d, name) {
  const points = (d.history || []).map((p) => ({ ...p, value: p.rating, label: fmtShort(p.at) }));
  const chart = points.length
    ? lineChart(points, {
      title: `Rating history of ${name}`,
      valueName: 'Rating',
      columns: [{ name: 'Version', value: (p) => `v${p.version}` }, { name: 'Place', value: (p) => String(p.rank) },
        { name: 'Fight', value: (p) => link(`/fights/${p.fight_id}`, 'Replay', { 'aria-label': `Replay of the fight of ${fmtDate(p.at)}` }) }],
    })
    : h('p', { class: 'empty' }, 'No rated fight yet.');
  return [
    h('h3', { class: 'ladder-history-title' }, `Rating history of ${name}`),
    chart,
    h('h3', null, 'Recent ladder fights'),
    fightTable(d.fights || [], { empty: 'No ladder fight yet.', caption: `Recent ladder fights of ${name}` }),
  ];
}

// ---- the bot page's card ----

// The bot's place on the ladder from the bot object's "ladder" (GET
// /api/bots/{id}: its latest entry's status, version and reason, its active
// entry's rating and rank, active_version) and from the bot's ladder page
// (entries, newest version first, the active one with its rank among the
// leaderboard's `of` bots). Either may be missing: the other then says it.
function currentState(bot, page) {
  const entries = (page && page.entries) || [];
  const l = bot.ladder && typeof bot.ladder === 'object' ? bot.ladder : null;
  const latest = entries[0] || null;
  const activeEntry = entries.find((e) => e.status === 'active') || null;
  if (!l && !latest) return { entered: false, latest: null, active: null };
  const entered = l ? !!l.entered : entries.some((e) => e.status === 'active' || e.status === 'pending');
  const activeVersion = l ? l.active_version ?? (l.status === 'active' ? l.version : null) : activeEntry && activeEntry.version;
  let active = null;
  if (activeVersion != null) {
    const e = activeEntry && activeEntry.version === activeVersion ? activeEntry : null;
    active = {
      version: activeVersion,
      rating: l ? l.rating : e.rating,
      games: l ? l.games : e.games,
      provisional: l ? !!l.provisional : !!e.provisional,
      // The leaderboard's rank (the page's) first: the same count as the table.
      rank: e && e.rank != null ? e.rank : l ? l.rank : null,
      of: e ? e.of : null,
    };
  }
  return {
    entered,
    latest: l ? { status: l.status, version: l.version, reason: l.reason }
      : { status: latest.status, version: latest.version, reason: latest.reason ?? null },
    active,
  };
}

function statusLine(st) {
  if (!st.latest) return h('div', { class: 'ladder-status' }, h('p', null, 'Not on the ladder. Enter it to have this bot matched against others of its game and rated.'));
  const lines = [];
  const { latest, active } = st;
  if (active && st.entered) {
    lines.push(h('p', null, h('strong', null, 'On the ladder'),
      active.rank != null ? `: rank ${active.rank}${active.of != null ? ` of ${active.of}` : ''}` : '',
      active.provisional ? [' ', provisionalChip()] : null));
    lines.push(h('p', { class: 'muted small' }, `Version ${active.version} plays · rating ${ratingText(active.rating)} · ${active.games} game${active.games === 1 ? '' : 's'}`));
  }
  if (latest.status === 'pending') {
    lines.push(h('p', null, h('strong', null, 'Waiting for the check'), `: version ${latest.version} enters once its check in the sandbox passes.`));
  } else if (latest.status === 'refused') {
    lines.push(h('p', null, h('strong', null, 'Refused'), `: version ${latest.version} failed its check.`),
      latest.reason ? h('p', { class: 'check-message small' }, latest.reason) : null);
  } else if (!st.entered) {
    lines.push(h('p', null, h('strong', null, 'Not on the ladder'), ' (it left). Its ratings stay in its history.'));
  }
  return h('div', { class: 'ladder-status' }, lines);
}

// The ladder card of the bot page (its owner's): status, toggle, history.
export function botCard(bot) {
  const err = errorBox();
  const statusBox = h('div');
  const toggleBox = h('div');
  const historyBox = h('div');
  const linkBox = h('p', { class: 'small' }, link(`/ladder/${encodeURIComponent(bot.game)}`, `The ${gameTitle(bot.game)} ladder`));
  let current = bot;

  const draw = (mine) => {
    const st = currentState(current, mine);
    replace(statusBox, statusLine(st));
    const btn = h('button', { type: 'button', class: st.entered ? 'btn btn-secondary ladder-toggle' : 'btn ladder-toggle' },
      st.entered ? 'Leave the ladder' : 'Enter the ladder');
    btn.addEventListener('click', () => busy(btn, async () => {
      err.textContent = '';
      try {
        const b = await api.patch(`/api/bots/${bot.id}`, { ladder: !st.entered });
        if (b && typeof b === 'object') current = { ...current, ...b };
        if (!b || !('ladder' in b)) current = { ...current, ladder: undefined };
        toast(st.entered ? 'The bot left the ladder.' : 'The bot entered the ladder.');
        await load();
      } catch (ex) { err.textContent = ex.message; }
    }));
    replace(toggleBox, btn);
    replace(historyBox, mine && ((mine.history || []).length || (mine.fights || []).length)
      ? botHistory(bot.id, { name: bot.name, data: mine }) : null);
  };
  const load = async () => {
    let mine = null;
    try { mine = await api.get(`/api/bots/${bot.id}/ladder`); } catch (ex) { if (ex.status !== 404) err.textContent = ex.message; }
    draw(mine);
  };
  draw(null);
  load();
  return h('div', { class: 'card ladder-card' }, h('h2', null, 'Ladder'), err, statusBox, toggleBox, linkBox, historyBox);
}
