// The play page (/play/<id>): one arcade play, live. The game runs on the
// server; its display messages come over Server-Sent Events and are drawn by
// the arcade display (js/arcade/playground.js); the player's input goes back
// in small batches (POST /api/plays/<id>/input). Anyone with the link can
// watch; only the play's own player (play.mine) gets an interactive display
// and the Stop button.
import { h, link, busy, toast, announce, replace, fmtDuration, fmtBytes } from '../dom.js';
import { api, request } from '../api.js';
import { followPlay, PLAY_FINAL } from '../live.js';
import { PLAY_STATUS_TEXT, playStatusChip, fmtScore } from '../views.js';
import { mountPlayground } from '../arcade/playground.js';
import { startPlay } from './arcade.js';
import { ratingWidget } from '../arcade/rating.js';

// Input batching: a lone event leaves at once; a burst is coalesced into one
// request at most every GAP_MS, each request carrying at most BATCH events
// (the API's limit). One request at a time, so the game gets events in order.
const BATCH = 64;
const GAP_MS = 30;
// Events waiting while the server is slow; beyond this the oldest go.
const QUEUE_MAX = 1024;

// push(event) queues one event for the game; stop() drops what waits and
// sends nothing more. onOver: the server said the play is over (409);
// onError(ex): a batch was lost for another reason than 429 (too fast:
// dropped quietly, as the API asks).
export function createInputSender(playId, { onOver, onError } = {}) {
  const url = `/api/plays/${encodeURIComponent(playId)}/input`;
  let pending = [];
  let inflight = false;
  let timer = 0;
  let last = -Infinity;
  let stopped = false;

  function schedule() {
    if (stopped || inflight || timer || pending.length === 0) return;
    const wait = last + GAP_MS - performance.now();
    if (wait <= 0) send();
    else timer = setTimeout(() => { timer = 0; send(); }, wait);
  }

  async function send() {
    const events = pending.splice(0, BATCH);
    inflight = true;
    last = performance.now();
    try {
      await request('POST', url, { events });
    } catch (ex) {
      if (ex.status === 409) {
        stop();
        if (onOver) onOver();
        return;
      }
      if (ex.status !== 429 && onError) onError(ex);
    } finally {
      inflight = false;
    }
    schedule();
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    timer = 0;
    pending = [];
  }

  return {
    push(event) {
      if (stopped) return;
      pending.push(event);
      if (pending.length > QUEUE_MAX) pending.splice(0, pending.length - QUEUE_MAX);
      schedule();
    },
    stop,
  };
}

// The prompts and alerts this tab answered, per play (sessionStorage). The
// server's screen for a late viewer is a snapshot taken at most every half
// second, and the stream goes on from there: right after an answer a reload
// could show the answered prompt again, and a second answer would wait in
// the game for its next prompt. Answered ones are left out here.
const ANSWERED_MAX = 50;
function answeredStore(playId) {
  const key = `cf-play-answered:${playId}`;
  let stamps = [];
  try { stamps = JSON.parse(sessionStorage.getItem(key) || '[]'); } catch { stamps = []; }
  if (!Array.isArray(stamps)) stamps = [];
  return {
    has: (ts) => stamps.includes(ts),
    add(ts) {
      if (typeof ts !== 'number' || stamps.includes(ts)) return;
      stamps = [...stamps, ts].slice(-ANSWERED_MAX);
      try { sessionStorage.setItem(key, JSON.stringify(stamps)); } catch { /* storage full or off: best effort */ }
    },
  };
}
const isPrompt = (m) => m && (m.type === 'input_prompt' || (m.type === 'notification' && m.alert));

const END_WORDS = {
  finished: 'The game ended.',
  stopped: 'The game was stopped before its end.',
  failed: 'The game could not run to its end.',
};

// A play's verdict, about the game program (docs/cf-fight.md's verdicts).
const PLAY_VERDICT_TEXT = {
  ok: 'The game ran normally.',
  timeout: 'It ran out of time.',
  cpu_time: 'It used too much CPU time (CPU limit exceeded).',
  memory: 'It used too much memory (memory limit exceeded).',
  illegal: 'It tried something forbidden (an illegal system call or action).',
  crashed: 'It crashed (an error in the game ended it).',
  bad_output: 'It sent something the display could not take (bad output).',
  killed: 'It was killed by a signal.',
};

function sentence(s) {
  const t = String(s).trim();
  if (!t) return t;
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

export async function page(ctx) {
  const id = ctx.params.id;
  const { play } = await api.get(`/api/plays/${encodeURIComponent(id)}`);
  const game = play.game || null;
  const title = game ? game.title : 'Arcade game';
  ctx.title = `Playing ${title}`;
  const mine = !!play.mine;

  // ---- status: the state in words (live region), the score, Stop ----
  const stateLine = h('p', { class: 'play-state', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const connection = h('p', { class: 'play-connection muted small', role: 'status' });
  const scoreValue = h('span', { class: 'play-score-value' }, fmtScore(play.score));
  const scoreLine = h('p', { class: 'play-score' }, 'Score: ', scoreValue);
  const stopBtn = mine ? h('button', { type: 'button', class: 'btn btn-danger', id: 'stop-play' }, 'Stop') : null;
  const inputNote = h('p', { class: 'form-error play-input-error', role: 'alert' });
  const statusCard = h('div', { class: 'card play-status' },
    h('div', { class: 'play-status-row' }, stateLine, scoreLine, stopBtn),
    connection, inputNote);

  const screenBox = h('div', { class: 'play-screen', hidden: true });
  const summaryBox = h('section', { class: 'card play-summary', hidden: true, 'aria-labelledby': 'play-summary-title' });

  let status = play.status;
  let ended = false;
  let display = null; // the arcade display, while the play is live
  let sender = null; // the player's input, while the play is live
  const openPrompts = new Map(); // time_stamp -> input_type, to close them at the end

  function showState(s, position) {
    status = s;
    let words;
    if (s === 'queued') {
      words = position != null ? `Waiting — position ${position} in the queue` : 'Waiting for a free place…';
    } else if (s === 'running') {
      words = mine ? 'Running — your turn: play!' : 'Running — you are watching.';
    } else {
      words = END_WORDS[s] || '';
    }
    stateLine.textContent = words;
    if (s === 'running') screenBox.hidden = false;
    root.dataset.status = s;
  }

  // ---- the end: a summary in place of the controls ----
  function showSummary(end) {
    if (ended) return;
    ended = true;
    const s = end.status || status;
    showState(s, null);
    // The summary says it all from here on (and announce() below says it aloud).
    if (stopBtn) stopBtn.remove();
    if (share) share.remove();
    statusCard.hidden = true;
    const facts = [
      h('dt', null, 'Status'), h('dd', { class: 'play-end-status' }, playStatusChip(s), ' ', END_WORDS[s] || ''),
    ];
    if (end.verdict) facts.push(h('dt', null, 'Verdict'), h('dd', { class: 'play-end-verdict' }, PLAY_VERDICT_TEXT[end.verdict] || sentence(end.verdict)));
    if (end.detail) facts.push(h('dt', null, 'Detail'), h('dd', { class: 'play-end-detail' }, sentence(end.detail)));
    facts.push(h('dt', null, 'Score'), h('dd', { class: 'play-end-score' }, fmtScore(end.score)));
    if (end.elapsed_ms != null) facts.push(h('dt', null, 'Duration'), h('dd', { class: 'play-end-duration' }, fmtDuration(end.elapsed_ms)));
    if (mine && (end.cpu_ms != null || end.peak_memory_kb != null)) {
      facts.push(h('dt', null, 'Resources'), h('dd', null, [
        end.cpu_ms != null ? `${fmtDuration(end.cpu_ms)} CPU` : '',
        end.peak_memory_kb != null ? `${end.cpu_ms != null ? ' · ' : ''}${fmtBytes(end.peak_memory_kb * 1024)} memory` : ''].join('')));
    }
    const log = mine && typeof end.log === 'string' ? h('details', { class: 'play-log', open: !!end.log || undefined },
      h('summary', null, 'The game’s log'),
      h('p', { class: 'muted small' }, 'Only you see this: what the game printed.'),
      end.log ? h('pre', { class: 'log', tabindex: '0' }, end.log) : h('p', { class: 'empty' }, 'Nothing was printed.')) : null;
    const actions = [];
    if (game) {
      const again = h('button', { type: 'button', class: 'btn' }, 'Play again');
      again.addEventListener('click', () => startPlay(ctx, game.id, again));
      actions.push(again, link(`/arcade/${encodeURIComponent(game.id)}`, 'Back to the game', { class: 'btn btn-secondary' }));
    } else {
      actions.push(link('/arcade', 'Back to the arcade', { class: 'btn btn-secondary' }));
    }
    const heading = h('h2', { id: 'play-summary-title', tabindex: '-1' }, 'Game over');
    const rateBox = h('div', { class: 'play-rate' });
    replace(summaryBox, heading, h('dl', { class: 'facts' }, facts), rateBox, log, h('div', { class: 'row' }, actions));
    if (mine && game) offerRating(end, rateBox);
    summaryBox.hidden = false;
    // The game is over: nothing waits for an answer any more, and focus
    // goes to the summary so keyboard and screen-reader users land on it.
    closePrompts();
    screenBox.classList.add('play-over');
    if (ctx.isCurrent()) heading.focus({ preventScroll: false });
    announce(`Game over. ${PLAY_STATUS_TEXT[s] || s}. Score ${fmtScore(end.score)}.`);
  }

  // The play's player may rate the game once the play made them eligible
  // (over, more than 5 s, signed in, not their own game): the stored play
  // says so (can_rate). The stream's end can come a moment before
  // cf-result-processor stores it, so ask a few times.
  async function offerRating(end, box) {
    let p = end && typeof end.can_rate === 'boolean' ? end : null;
    for (let i = 0; !p && i < 12; i++) {
      try {
        const again = (await api.get(`/api/plays/${encodeURIComponent(play.id)}`)).play;
        if (PLAY_FINAL.has(again.status)) p = again;
      } catch { return; }
      if (!p) await new Promise((ok) => setTimeout(ok, 500));
      if (!ctx.isCurrent()) return;
    }
    if (!p || !p.can_rate || !ctx.isCurrent()) return;
    replace(box, h('p', { class: 'play-rate-lead' }, `Did you like ${title}? Rate it:`),
      ratingWidget(game.id, { can_rate: true, mine: p.rating_mine ?? null }, { legend: `Your rating of ${title}` }));
  }

  // The player shares a link to watch (anyone may watch, silently).
  function shareBox() {
    const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-small share-watch' }, 'Share watch link');
    const out = h('span', { class: 'share-watch-out' });
    btn.addEventListener('click', async () => {
      const url = `${location.origin}/play/${encodeURIComponent(play.id)}`;
      let copied = false;
      try {
        if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(url); copied = true; }
      } catch { /* shown below to copy by hand */ }
      const field = h('input', { type: 'text', readonly: true, value: url, class: 'share-watch-url', 'aria-label': 'Watch link' });
      replace(out, field, h('span', { class: 'small muted', role: 'status' }, copied ? ' Link copied: anyone with it can watch.' : ' Copy this link: anyone with it can watch.'));
      // Copied: focus stays on the button, so the arrow keys still play.
      // Not copied: the address is selected, ready to copy by hand.
      if (!copied) { field.focus(); field.select(); }
    });
    return h('div', { class: 'share-watch-box row' }, btn, out);
  }

  const share = mine && !PLAY_FINAL.has(play.status) ? shareBox() : null;
  const headingTitle = h('h1', null, title);
  const root = h('section', { class: 'play-page', dataset: { play: play.id, status } },
    h('div', { class: 'page-head' },
      h('div', { class: 'play-title' }, headingTitle,
        mine ? null : h('span', { class: 'chip chip-watch play-watching' }, 'Watching')),
      game ? link(`/arcade/${encodeURIComponent(game.id)}`, 'About this game', { class: 'btn btn-secondary btn-small' }) : null),
    h('p', { class: 'muted play-who' }, mine ? 'You are playing. Use the keyboard, the buttons or the playground itself.'
      : 'You are watching this play. Only its player steers it; your keys and taps go nowhere.'),
    share,
    statusCard, summaryBox, screenBox);

  // A play that is over has no screen left to show: only its summary.
  if (PLAY_FINAL.has(play.status)) {
    showSummary(play);
    return root;
  }
  showState(play.status, play.position);

  // ---- the display ----
  function track(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'input_prompt') openPrompts.set(msg.time_stamp, 'input_prompt');
    else if (msg.type === 'notification' && msg.alert) openPrompts.set(msg.time_stamp, 'notification');
    else if (msg.type === 'cancel_user_input') openPrompts.delete(msg.time_stamp);
  }
  function closePrompts() {
    if (!display) return;
    for (const [ts, kind] of openPrompts) display.apply({ type: 'cancel_user_input', input_type: kind, time_stamp: ts });
    openPrompts.clear();
  }

  const answered = answeredStore(play.id);
  let inputErrorShown = false;
  if (mine) {
    sender = createInputSender(play.id, {
      onOver: () => { /* the end event follows */ },
      onError: (ex) => {
        if (inputErrorShown) return;
        inputErrorShown = true;
        inputNote.textContent = `Your input could not be sent: ${ex.message}`;
        setTimeout(() => { inputErrorShown = false; inputNote.textContent = ''; }, 5000);
      },
    });
  }
  display = mountPlayground(screenBox, {
    interactive: mine,
    onEvent: (event) => {
      if (!sender || ended) return;
      if (event && (event.type === 'input_response' || event.type === 'alert_confirm')) answered.add(event.time_stamp);
      sender.push(event);
    },
    onScore: (score) => { scoreValue.textContent = fmtScore(score); },
  });

  if (stopBtn) {
    stopBtn.addEventListener('click', () => busy(stopBtn, async () => {
      try {
        const r = await api.post(`/api/plays/${encodeURIComponent(play.id)}/stop`, {});
        connection.textContent = 'Stopping…';
        // The stream brings the end; if it does not come, the answer says enough.
        const p = r && r.play;
        if (p && PLAY_FINAL.has(p.status)) setTimeout(() => { if (ctx.isCurrent()) showSummary(p); }, 3000);
      } catch (ex) {
        if (ex.status !== 409) { toast(ex.message, 'error'); announce(ex.message); }
      }
    }));
  }

  // Between the request above and now the user may have gone elsewhere.
  if (!ctx.isCurrent()) { display.destroy(); if (sender) sender.stop(); return root; }

  const stopStream = followPlay(play.id, {
    state: (d) => { if (!ended && d && d.status) showState(d.status, d.position); },
    screen: (d) => {
      if (ended) return;
      display.reset();
      openPrompts.clear();
      const msgs = (Array.isArray(d && d.messages) ? d.messages : []).filter((m) => !(isPrompt(m) && answered.has(m.time_stamp)));
      msgs.forEach(track);
      display.applyAll(msgs);
      // A queued play's screen is empty: the waiting words say more than a grey box.
      if (msgs.length || status === 'running') screenBox.hidden = false;
    },
    msg: (m) => {
      // After a reload the stream goes on from the screen's snapshot: a
      // prompt answered since may come again.
      if (ended || (isPrompt(m) && answered.has(m.time_stamp))) return;
      track(m);
      display.apply(m);
      screenBox.hidden = false;
    },
    end: (e) => {
      if (sender) sender.stop();
      showSummary(e || {});
    },
    connection: async (c) => {
      if (ended) return;
      if (c === 'open') connection.textContent = '';
      else if (c === 'reconnecting') connection.textContent = 'Connection lost; reconnecting…';
      else {
        // Refused for good: the play may have ended meanwhile.
        try {
          const again = await api.get(`/api/plays/${encodeURIComponent(play.id)}`);
          if (!ctx.isCurrent()) return;
          if (PLAY_FINAL.has(again.play.status)) { if (sender) sender.stop(); showSummary(again.play); return; }
        } catch { /* said below */ }
        connection.textContent = 'The game’s stream could not be opened. Reload the page to try again.';
      }
    },
  });
  ctx.onLeave(() => {
    stopStream();
    if (sender) sender.stop();
    display.destroy();
  });
  return root;
}
