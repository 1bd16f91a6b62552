// The arcade's community pages: Most played (/arcade/most-played), My games
// (/arcade/mine) and a game's compact scoreboard alone (/arcade/:id/board,
// for embedding). The cards and a game's page are pages/arcade.js.
import { h, link, errorBox, busy, fmtDuration, replace, uid } from '../dom.js';
import { api, session, qs } from '../api.js';
import { fmtScore } from '../views.js';
import { starsView } from '../arcade/stars.js';
import { renderScoreboard } from '../arcade/scoreboard.js';
import { arcadeLinks, pager, preview, gameBadges, newVersionForm, deleteGame } from './arcade.js';

const PER_PAGE = 25;
const pageOf = (ctx) => Math.max(1, parseInt(ctx.query.get('page') || '1', 10) || 1);
const gameHref = (id) => `/arcade/${encodeURIComponent(id)}`;

// ---- Most played: per game, sorted by total time (the API's order) ----
export async function mostPlayed(ctx) {
  ctx.title = 'Most played';
  const page = pageOf(ctx);
  const r = await api.get(`/api/arcade/most-played${qs({ page: page > 1 ? page : '', per_page: PER_PAGE })}`);
  const games = r.games || [];
  const first = (page - 1) * PER_PAGE;
  const table = games.length === 0
    ? h('p', { class: 'empty' }, page > 1 ? 'No more games.' : 'No game has been played to its end yet.')
    : h('div', { class: 'table-wrap' }, h('table', { class: 'list stack-sm most-played' },
      h('caption', { class: 'visually-hidden' }, 'Games by time played'),
      h('thead', null, h('tr', null, ['#', 'Game', 'Plays', 'Time played', 'Best score', 'Longest play'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, games.map((g, i) => h('tr', { dataset: { game: String(g.id) } },
        h('td', { 'data-label': '#', class: 'rank' }, String(first + i + 1)),
        h('th', { 'data-label': 'Game', scope: 'row', class: 'game' }, link(gameHref(g.id), g.title)),
        h('td', { 'data-label': 'Plays', class: 'plays' }, String(Number(g.plays) || 0)),
        h('td', { 'data-label': 'Time played', class: 'time' }, (g.plays ? fmtDuration(g.total_ms) : '') || '—'),
        h('td', { 'data-label': 'Best score', class: 'score' }, fmtScore(g.best_score)),
        h('td', { 'data-label': 'Longest play', class: 'longest' }, (g.plays ? fmtDuration(g.longest_ms) : '') || '—'))))));
  return h('section', { class: 'arcade-most-played' },
    h('div', { class: 'page-head' }, h('h1', null, 'Most played')),
    h('p', { class: 'muted' }, 'The games people spent the most time with: every play that ended counts.'),
    h('div', { class: 'arcade-filters' }, arcadeLinks('/arcade/most-played')),
    table,
    pager('/arcade/most-played', {}, page, !!r.has_more));
}

// ---- My games: mine with their plays, scores, ratings; update, delete ----
function myGameCard(ctx, g, { onGone }) {
  const err = errorBox();
  const titleId = uid('mygame');
  const pictureBox = h('div', { class: 'my-game-picture' }, preview(g));
  const facts = h('dl', { class: 'facts my-game-facts' });
  function paint() {
    replace(facts,
      h('dt', null, 'Plays'), h('dd', { class: 'plays' }, String(Number(g.plays) || 0)),
      h('dt', null, 'Time played'), h('dd', null, (g.plays ? fmtDuration(g.total_ms) : '') || '—'),
      h('dt', null, 'Best score'), h('dd', { class: 'score' }, g.reports_score === false ? 'no score' : fmtScore(g.best_score)),
      h('dt', null, 'Rating'), h('dd', { class: 'rating' }, starsView(g.rating || null)),
      h('dt', null, 'Version'), h('dd', null, String(g.version ?? '')));
  }
  paint();
  const update = h('details', { class: 'my-game-update' },
    h('summary', null, 'Update: a new file or preview'),
    h('p', { class: 'muted small' }, 'The next plays use the new version; the plays, scores and ratings so far stay.'),
    newVersionForm(`mine-${g.id}`, g, (fresh) => {
      g = { ...g, ...fresh };
      paint();
      replace(pictureBox, preview(g));
      update.open = false;
    }));
  const del = h('button', { type: 'button', class: 'btn btn-danger btn-small' }, 'Delete', h('span', { class: 'visually-hidden' }, ` ${g.title}`));
  const card = h('li', { class: 'card my-game', dataset: { game: String(g.id) }, 'aria-labelledby': titleId },
    h('div', { class: 'my-game-main' },
      pictureBox,
      h('div', { class: 'my-game-body' },
        h('h2', { id: titleId }, link(gameHref(g.id), g.title)),
        g.hidden ? h('p', null, h('span', { class: 'chip chip-wait' }, 'Hidden')) : null,
        gameBadges(g),
        facts)),
    err,
    h('div', { class: 'row my-game-actions' }, link(gameHref(g.id), 'Edit and versions', { class: 'btn btn-secondary btn-small' }), del),
    update);
  del.addEventListener('click', () => busy(del, async () => {
    err.textContent = '';
    try {
      if (await deleteGame(g)) { card.remove(); onGone(); }
    } catch (ex) { err.textContent = ex.message; }
  }));
  return card;
}

export async function mine(ctx) {
  ctx.title = 'My games';
  const page = pageOf(ctx);
  const r = await api.get(`/api/arcade/games${qs({ mine: 1, order: 'updated', page: page > 1 ? page : '', per_page: PER_PAGE })}`);
  const games = r.games || [];
  const empty = () => h('p', { class: 'empty' }, 'You have not uploaded a game yet. ', link('/arcade/new', 'Upload one'), '.');
  const box = h('div', { class: 'my-games' });
  const listEl = h('ul', { class: 'plain my-games-list' });
  const gone = () => { if (!listEl.children.length) replace(box, empty()); };
  for (const g of games) listEl.appendChild(myGameCard(ctx, g, { onGone: gone }));
  replace(box, games.length ? listEl : empty());
  return h('section', { class: 'arcade-mine' },
    h('div', { class: 'page-head' }, h('h1', null, 'My games'), link('/arcade/new', 'Upload a game', { class: 'btn' })),
    h('p', { class: 'muted' }, `The games you uploaded, ${session.user ? session.user.username : 'you'}: their plays, scores and ratings.`),
    h('div', { class: 'arcade-filters' }, arcadeLinks('/arcade/mine')),
    box,
    pager('/arcade/mine', {}, page, !!r.has_more));
}

// ---- /arcade/:id/board: the compact scoreboard alone ----
export async function board(ctx) {
  const id = ctx.params.id;
  const r = await api.get(`/api/arcade/games/${encodeURIComponent(id)}/scoreboard?compact=true`);
  const title = (r.game && r.game.title) || 'Scoreboard';
  ctx.title = `${title} — scoreboard`;
  const node = h('section', { class: 'arcade-board' },
    h('h1', { class: 'visually-hidden' }, `${title}: scoreboard`),
    renderScoreboard(r, { compact: true, heading: 2 }),
    h('p', { class: 'small arcade-board-links' }, link(gameHref(id), 'Full scoreboard and play')));
  // Embedded in an <iframe>, a link opens the site in the whole window.
  for (const a of node.querySelectorAll('a')) a.target = '_top';
  return node;
}
