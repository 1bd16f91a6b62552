// scoreboard.js — a game's scoreboard from the API's answer
// (GET /api/arcade/games/{id}/scoreboard): per signed-in player their rank,
// best score, plays and time played, best first (the API's order).
//
//   renderScoreboard(answer, { compact: false, heading: 2, title: true, limit,
//                              links: true, facts: false, plays: false })
//
// returns a new element and nothing else: no listeners, no timers, no
// globals, so a page (or the kiosk, every 30 s for days) drops it by removing
// it and nothing is left behind. `compact` is the small variant for
// embedding (/arcade/:id/board, the kiosk): the game's title and stars and
// the top players, without time (and without plays unless `plays`).
// `links: false`: the title as text, not a link (the kiosk: a screen nobody
// clicks). `facts`: the game's plays and best score under its title ("2
// plays · best 3"). Its size is the page's: the kiosk scales it with its own
// CSS on these classes. Text from the API only ever becomes text nodes.
import { h, chip, fmtDuration } from '../dom.js';
import { fmtScore, playStatusChip, PLAY_STATUS_TEXT } from '../views.js';
import { starsView } from './stars.js';

const gameHref = (id) => `/arcade/${encodeURIComponent(id)}`;

function headingEl(level, attrs, text) {
  const n = Math.min(6, Math.max(2, Number(level) || 2));
  return h(`h${n}`, attrs, text);
}

function emptyLine(compact) {
  return h('p', { class: 'empty scoreboard-empty' }, compact ? 'No scores yet.' : 'Nobody has played it yet.');
}

// The full table: rank, player, best score, plays, time played.
function fullTable(players, caption) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list stack-sm arcade-scores scoreboard-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, ['Rank', 'Player', 'Best score', 'Plays', 'Time played'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, players.map((p) => h('tr', { dataset: { player: String(p.player || '') } },
      h('td', { 'data-label': 'Rank', class: 'rank' }, String(p.rank ?? '')),
      h('th', { 'data-label': 'Player', scope: 'row', class: 'player' }, String(p.player || '')),
      h('td', { 'data-label': 'Best score', class: 'score' }, fmtScore(p.best_score)),
      h('td', { 'data-label': 'Plays', class: 'plays' }, String(Number(p.plays) || 0)),
      h('td', { 'data-label': 'Time played', class: 'time' }, fmtDuration(p.total_ms) || '—'))))));
}

const playsText = (n) => `${n} ${n === 1 ? 'play' : 'plays'}`;

// The compact list: rank, player, best score (and plays).
function compactList(players, caption, plays) {
  return h('ol', { class: `scoreboard-compact-list${plays ? ' scoreboard-with-plays' : ''}`, 'aria-label': caption },
    players.map((p) => h('li', { dataset: { player: String(p.player || '') } },
      h('span', { class: 'rank', 'aria-hidden': 'true' }, String(p.rank ?? '')),
      h('span', { class: 'player' }, String(p.player || '')),
      h('span', { class: 'score' }, h('span', { class: 'visually-hidden' }, 'best score '), fmtScore(p.best_score)),
      plays ? h('span', { class: 'plays' }, playsText(Number(p.plays) || 0)) : null)));
}

// The game's own figures: "2 plays · best 3".
function factsLine(game) {
  const facts = [];
  if (Number.isFinite(Number(game.plays))) facts.push(playsText(Number(game.plays)));
  if (game.best_score != null) facts.push(`best ${fmtScore(game.best_score)}`);
  return facts.length ? h('p', { class: 'scoreboard-facts muted' }, facts.join(' · ')) : null;
}

export function renderScoreboard(answer, {
  compact = false, heading = 2, title = true, limit, links = true, facts = false, plays = false,
} = {}) {
  const game = (answer && answer.game) || {};
  let players = Array.isArray(answer && answer.players) ? answer.players : [];
  if (limit) players = players.slice(0, limit);
  const name = String(game.title || 'Game');
  const caption = `Scoreboard of ${name}`;
  const head = title ? h('div', { class: 'scoreboard-head' },
    headingEl(heading, { class: 'scoreboard-title' },
      links && game.id != null ? h('a', { href: gameHref(game.id), 'data-link': '' }, name) : name),
    starsView(game.rating || null)) : null;
  const body = players.length === 0 ? emptyLine(compact) : compact ? compactList(players, caption, plays) : fullTable(players, caption);
  return h('section', {
    class: `scoreboard${compact ? ' scoreboard-compact' : ''}`,
    'aria-label': caption,
    dataset: game.id != null ? { game: String(game.id) } : undefined,
  }, head, facts ? factsLine(game) : null, body);
}

// "My plays": the caller's latest plays of the game, newest first.
export function renderMyPlays(list, { fmtWhen = (v) => v } = {}) {
  const plays = Array.isArray(list) ? list : [];
  if (!plays.length) return h('p', { class: 'empty' }, 'You have not played it yet.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list stack-sm my-plays' },
    h('caption', { class: 'visually-hidden' }, 'My plays'),
    h('thead', null, h('tr', null, ['When', 'Status', 'Score', 'Duration'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, plays.map((p) => h('tr', { dataset: { play: String(p.id || '') } },
      h('td', { 'data-label': 'When', class: 'when' }, p.created_at
        ? h('time', { datetime: String(p.created_at) }, fmtWhen(p.finished_at || p.created_at)) : '—'),
      h('td', { 'data-label': 'Status' }, p.status === 'running' || p.status === 'queued'
        ? h('a', { href: `/play/${encodeURIComponent(p.id)}`, 'data-link': '' }, playStatusChip(p.status))
        // Stopping is how most plays end: only a failure is worth a colour.
        : p.status === 'stopped' ? chip(PLAY_STATUS_TEXT.stopped, 'plain') : playStatusChip(p.status)),
      h('td', { 'data-label': 'Score', class: 'score' }, fmtScore(p.score)),
      h('td', { 'data-label': 'Duration' }, fmtDuration(p.elapsed_ms) || '—'))))));
}
