// The kiosk (/arcade/demo[?hold=S]): the arcade on a screen in a hallway or a
// classroom, full screen (its route is `bare` in app.js: no site header or
// footer), for days without a reload.
//
// It asks GET /api/arcade/plays/running every few seconds (one timer, never
// two; backoff on errors). When plays run it shows one of them live and
// silent — the play page's display (js/arcade/playground.js) with
// interactive: false and sound: false, fed by /api/plays/{id}/events — beside
// that game's compact scoreboard (the site's, js/arcade/scoreboard.js). A
// play stays at least `hold` seconds; after that the kiosk moves on to
// another running play (one it has not shown yet, newest first, else the one
// shown longest ago: two plays take turns). When
// the shown play ends, its end stays a few seconds, then the next. When
// nothing runs: two random games' compact scoreboards, each with its address
// and a QR code to play it, new ones every `hold` seconds.
//
// Every switch tears the previous view down completely: its EventSource is
// closed, its display destroyed (timers, animation frame, observers,
// listeners), its DOM removed; answers that arrive for a view that is gone
// are dropped. Nothing here grows with time: the plays shown (for taking
// turns) and those whose stream was refused are pruned to the running plays
// at every poll.
//
// The kiosk only reads: it sends no input, no Stop, no POST of any kind, and
// installs no key, pointer or motion listener. A watcher's stream does not
// keep a play alive (docs/arcade.md), so a kiosk never keeps an abandoned
// play running.
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { followPlay } from '../live.js';
import { fmtScore } from '../views.js';
import { mountPlayground } from '../arcade/playground.js';
import { renderScoreboard } from '../arcade/scoreboard.js';

export const HOLD_DEFAULT = 30;
export const HOLD_MIN = 5;
export const HOLD_MAX = 3600;
// How often the running plays are asked for.
const POLL_MS = 3000;
// Errors: the next try after 6, 12, 24, 48, then every 60 s.
const BACKOFF_MAX_MS = 60000;
// How long a play's end stays before the next view (at most the hold).
const END_MS = 5000;
// The shown play's board once more this long after its end.
const END_BOARD_MS = 2000;
// Plays asked for at once (the API's default is 10, its maximum 50).
const RUNNING_LIMIT = 10;
// A shown play missing from this many polls in a row (without its end on the
// stream) is taken as over.
const MISSING_POLLS = 2;
// A play whose stream was refused is not tried again for this long.
const REFUSED_MS = 60000;

// ?hold=S: whole seconds, 5..3600 (out of range: the nearest bound; anything
// else: 30).
export function parseHold(value) {
  if (value === null || value === undefined || !/^\s*\d+\s*$/.test(String(value))) return HOLD_DEFAULT;
  return Math.min(HOLD_MAX, Math.max(HOLD_MIN, Number(value)));
}

// Which running play to show next (the kiosk's rule, pure for
// tests/web/js/kiosk.test.mjs): of `running` (newest first), leaving out
// `exclude` and those whose stream was refused less than REFUSED_MS ago
// (`refused`: id -> when), the newest one not shown yet (`shown`: id -> when
// it was last shown), else the one shown longest ago; null when none.
export function nextPlay(running, { exclude = null, shown = new Map(), refused = new Map(), now = Date.now() } = {}) {
  const wasRefused = (id) => refused.has(id) && now - refused.get(id) < REFUSED_MS;
  const candidates = (Array.isArray(running) ? running : [])
    .filter((p) => p && p.id != null && p.id !== exclude && !wasRefused(p.id));
  if (candidates.length === 0) return null;
  const fresh = candidates.find((p) => !shown.has(p.id));
  if (fresh) return fresh;
  return candidates.reduce((a, b) => (shown.get(b.id) < shown.get(a.id) ? b : a));
}

// A game's compact scoreboard (GET …/scoreboard?compact=true): the site's
// component, with the game's figures and each player's plays, and no links (a
// hallway screen is not clicked; the address below it is there to type or
// scan). css/kiosk.css sizes it for the kiosk.
const board = (sb, heading = 2) => renderScoreboard(sb, { compact: true, heading, links: false, facts: true, plays: true, limit: 5 });

// "Play it": the game's address as text, and its QR code (GET /api/qr).
function playHere(gameId, { small = false } = {}) {
  const url = `${location.origin}/arcade/${encodeURIComponent(gameId)}`;
  return h('div', { class: `kiosk-play-here${small ? ' kiosk-play-here-small' : ''}` },
    h('img', { class: 'kiosk-qr', src: `/api/qr?text=${encodeURIComponent(url)}`, alt: `QR code: ${url}`, width: 160, height: 160 }),
    h('p', { class: 'kiosk-url' }, h('span', { class: 'kiosk-url-words' }, small ? 'Play it too:' : 'Play it on your phone or at'),
      h('a', { href: url }, url)));
}

export function page(ctx) {
  const holdMs = parseHold(ctx.query.get('hold')) * 1000;
  ctx.title = 'Arcade kiosk';
  const kiosk = createKiosk({ holdMs });
  ctx.onLeave(kiosk.destroy);
  return kiosk.root;
}

function createKiosk({ holdMs }) {
  const endMs = Math.min(END_MS, holdMs);
  let destroyed = false;
  let timer = 0; // the one poll timer
  let inflight = false;
  let failures = 0;
  let view = null; // {kind: 'live'|'idle', since, teardown(), …}
  let switches = 0;
  let running = [];
  const shown = new Map(); // play id -> when it was last shown; only running plays
  const refused = new Map(); // play id -> when its stream was refused; only running plays

  const problem = h('p', { class: 'kiosk-problem', role: 'status' });
  const viewBox = h('div', { class: 'kiosk-view' }, h('p', { class: 'kiosk-loading' }, 'Loading…'));
  const root = h('section', { class: 'kiosk', dataset: { mode: 'starting', switches: '0' } },
    h('header', { class: 'kiosk-head' },
      h('img', { class: 'kiosk-logo', src: '/img/logo.svg', alt: '', width: 40, height: 40 }),
      h('h1', { class: 'kiosk-brand' }, 'Codefights Arcade'),
      problem),
    viewBox);

  // ---- switching views ----
  function swap(next, node) {
    const old = view;
    view = next;
    if (old) old.teardown();
    replace(viewBox, node);
    switches += 1;
    root.dataset.switches = String(switches);
    root.dataset.mode = next.kind;
  }

  // ---- a live play ----
  function showLive(play) {
    const gameId = play.game && play.game.id;
    const title = (play.game && play.game.title) || 'Arcade game';
    const v = { kind: 'live', play, since: Date.now(), endedAt: 0, missing: 0, boardAt: 0, teardown: () => {} };
    shown.set(play.id, v.since);

    const screen = h('div', { class: 'kiosk-screen' });
    const endBox = h('div', { class: 'kiosk-end', hidden: true });
    const scoreValue = h('span', { class: 'kiosk-score-value' }, '—');
    const boardBox = h('div', { class: 'kiosk-board-box' });
    const badge = h('p', { class: 'kiosk-live-badge' }, 'Live');
    const node = h('div', { class: 'kiosk-live', dataset: { play: String(play.id), game: String(gameId ?? '') } },
      h('div', { class: 'kiosk-live-main' },
        h('div', { class: 'kiosk-live-head' },
          h('div', { class: 'kiosk-live-line' }, badge, h('h2', { class: 'kiosk-live-title' }, title)),
          h('div', { class: 'kiosk-live-line' },
            h('p', { class: 'kiosk-live-who' }, play.player ? `played by ${play.player}` : 'played by a guest'),
            h('p', { class: 'kiosk-score' }, 'Score ', scoreValue))),
        h('div', { class: 'kiosk-screen-wrap' }, screen, endBox)),
      h('aside', { class: 'kiosk-side', 'aria-label': 'Scoreboard' },
        boardBox,
        gameId != null ? playHere(gameId, { small: true }) : null));

    swap(v, node);
    // The play page's display, silent: no input, no listeners that send, no sound.
    const display = mountPlayground(screen, {
      interactive: false,
      sound: false,
      onScore: (s) => { scoreValue.textContent = fmtScore(s); },
    });
    const stopStream = followPlay(play.id, {
      screen: (d) => {
        display.reset();
        display.applyAll(Array.isArray(d && d.messages) ? d.messages : []);
      },
      msg: (m) => display.apply(m),
      end: (e) => ended(v, e || {}),
      // Refused for good (gone, hidden, a proxy's error): over as far as the
      // kiosk is concerned, and not tried again for a minute.
      connection: (c) => {
        if (c !== 'closed') return;
        refused.set(play.id, Date.now());
        ended(v, {});
      },
    });
    v.showEnd = (e) => {
      const s = e.status === 'stopped' ? 'Stopped' : e.status === 'failed' ? 'Ended' : 'Game over';
      replace(endBox, h('p', { class: 'kiosk-end-title' }, s),
        e.score != null ? h('p', { class: 'kiosk-end-score' }, `Score ${fmtScore(e.score)}`) : null);
      endBox.hidden = false;
      badge.textContent = 'Over';
      node.classList.add('kiosk-over');
    };
    v.refreshBoard = () => loadBoard(v, gameId, boardBox);
    v.teardown = () => {
      stopStream();
      display.destroy();
    };
    if (gameId != null) v.refreshBoard();
  }

  function ended(v, e) {
    if (v !== view || v.endedAt || destroyed) return;
    v.endedAt = Date.now();
    v.showEnd(e);
    // Its scores changed: the board now, and once more a moment later (the
    // statistics are stored a little after the end comes on the stream).
    v.refreshBoard();
    // The poll does that second refresh, and the next view after the end's
    // few seconds.
    if (!inflight) schedule(nextDelay());
  }

  function loadBoard(v, gameId, box) {
    if (gameId == null) return;
    v.boardAt = Date.now();
    api.get(`/api/arcade/games/${encodeURIComponent(gameId)}/scoreboard?compact=true`).then((sb) => {
      if (v !== view || destroyed) return;
      replace(box, board(sb));
    }, () => {
      if (v !== view || destroyed || box.firstChild) return;
      replace(box, h('p', { class: 'empty' }, 'The scores are not available right now.'));
    });
  }

  // ---- nothing runs: two random games ----
  async function showIdle() {
    const r = await api.get('/api/arcade/games?order=random&per_page=2');
    const games = (Array.isArray(r && r.games) ? r.games : []).slice(0, 2);
    const boards = await Promise.all(games.map((g) => api.get(`/api/arcade/games/${encodeURIComponent(g.id)}/scoreboard?compact=true`)
      .catch(() => ({ game: g, players: [] }))));
    if (destroyed) return;
    const v = { kind: 'idle', since: Date.now(), teardown: () => {} };
    const cards = boards.map((sb, i) => {
      const g = { ...games[i], ...(sb && sb.game) };
      return h('div', { class: 'kiosk-card', dataset: { game: String(g.id) } },
        board({ ...sb, game: g }, 3),
        playHere(g.id));
    });
    const node = h('div', { class: 'kiosk-idle', dataset: { games: games.map((g) => g.id).join(',') } },
      h('h2', { class: 'kiosk-idle-title' }, games.length ? 'Nobody is playing right now. Your turn!' : 'No games yet'),
      cards.length ? h('div', { class: 'kiosk-cards' }, cards)
        : h('p', { class: 'kiosk-url' }, 'Upload one at ', h('a', { href: `${location.origin}/arcade/new` }, `${location.origin}/arcade/new`)));
    swap(v, node);
  }

  // ---- the poll: what to show next ----
  const pickNext = (exclude) => nextPlay(running, { exclude, shown, refused, now: Date.now() });

  async function decide() {
    const now = Date.now();
    const ids = new Set(running.map((p) => p && p.id));
    for (const id of shown.keys()) if (!ids.has(id) && !(view && view.play && view.play.id === id)) shown.delete(id);
    for (const id of refused.keys()) if (!ids.has(id)) refused.delete(id);

    if (view && view.kind === 'live') {
      const v = view;
      if (!v.endedAt && running.length < RUNNING_LIMIT) {
        // A play that left the list without its end on the stream is over too.
        if (ids.has(v.play.id)) v.missing = 0;
        else if ((v.missing += 1) >= MISSING_POLLS) ended(v, {});
      }
      if (v.endedAt) {
        if (!v.endRefreshed && now - v.endedAt >= END_BOARD_MS) {
          v.endRefreshed = true;
          v.refreshBoard();
        }
        if (now - v.endedAt < endMs) return;
        const next = pickNext(v.play.id);
        if (next) showLive(next);
        else await showIdle();
        return;
      }
      if (now - v.since < holdMs) return;
      const next = pickNext(v.play.id);
      if (next) { showLive(next); return; }
      // Still the only one: its board again once a hold.
      if (now - v.boardAt >= holdMs) v.refreshBoard();
      return;
    }
    const next = pickNext(null);
    if (next) { showLive(next); return; }
    if (!view || now - view.since >= holdMs) await showIdle();
  }

  // When to ask next: every POLL_MS, sooner when a hold or an end runs out.
  function nextDelay() {
    if (!view) return POLL_MS;
    const now = Date.now();
    let due = view.since + holdMs;
    if (view.kind === 'live' && view.endedAt) {
      due = view.endedAt + (view.endRefreshed ? endMs : Math.min(END_BOARD_MS, endMs));
    }
    const left = due - now;
    return left > 0 && left < POLL_MS ? Math.max(100, left) : left <= 0 && view.endedAt ? 100 : POLL_MS;
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
  }

  async function poll() {
    timer = 0;
    if (destroyed || inflight) return;
    inflight = true;
    let delay = POLL_MS;
    try {
      const r = await api.get(`/api/arcade/plays/running?limit=${RUNNING_LIMIT}`);
      if (destroyed) return;
      running = Array.isArray(r && r.plays) ? r.plays : [];
      await decide();
      failures = 0;
      problem.textContent = '';
      delay = nextDelay();
    } catch {
      failures += 1;
      delay = Math.min(BACKOFF_MAX_MS, POLL_MS * 2 ** Math.min(failures, 5));
      problem.textContent = 'Connection lost; trying again…';
    } finally {
      inflight = false;
      if (!destroyed) schedule(delay);
    }
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    clearTimeout(timer);
    timer = 0;
    if (view) view.teardown();
    view = null;
    shown.clear();
    refused.clear();
    running = [];
  }

  poll();
  return { root, destroy };
}
