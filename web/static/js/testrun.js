// testrun.js — a fight followed in place (the bot page's test run): its
// state and tick live from /api/fights/{id}/events, then the result, each
// player's verdict, the explanation, the author's own log and the replay
// (replay.js), without leaving the page.
import { h, link, replace, announce } from './dom.js';
import { api } from './api.js';
import { followFight, FINAL } from './live.js';
import { stateChip, resultChip, verdictText, VERDICT_SHORT, playerLabel } from './views.js';
import { mountReplay } from './replay.js';

function sentence(s) {
  if (s === 'X') return 'The tick limit was reached.';
  const t = String(s);
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

// Shows fight `fightId` of game g in box. Returns a stop function (closes
// the stream, stops polling, destroys the replay viewer).
export function showTestRun(box, g, fightId) {
  let stopped = false;
  let stopStream = () => {};
  let poll = null;
  let viewerCleanup = null;
  let done = false;
  const stateLine = h('p', { class: 'status-line', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const tickLine = h('p', { class: 'muted small testrun-tick' });
  const resultBox = h('div', { class: 'testrun-result' });
  const replayBox = h('div', { class: 'testrun-replay' });
  replace(box,
    h('h3', null, 'Test run ', link(`/fights/${fightId}`, 'open the fight page', { class: 'small' })),
    stateLine, tickLine, resultBox, replayBox);

  let shownState = null;
  // The stream tells a fight's end a moment before its result is stored,
  // and until then the fight's own answer still says it goes on: a final
  // state once shown is never taken back by an earlier one.
  function showState(state, tick) {
    if (FINAL.has(shownState) && !FINAL.has(state)) return;
    if (state !== shownState) {
      shownState = state;
      replace(stateLine, stateChip(state, null), ' ',
        { queued: 'Waiting for a simulator.', simulating: 'Running.', finished: 'Done.', failed: 'The fight could not be simulated.', cancelled: 'Stopped before the end.' }[state] || '');
    }
    tickLine.textContent = state === 'simulating' && tick != null ? `Tick ${tick}` : '';
  }

  async function check() {
    if (stopped || done) return;
    let f;
    try { f = await api.get(`/api/fights/${encodeURIComponent(fightId)}`); } catch { return; }
    if (stopped || done) return;
    showState(f.state, f.tick);
    if (!FINAL.has(f.state)) return;
    done = true;
    stopStream();
    clearInterval(poll);
    showResult(f);
  }

  function showResult(f) {
    tickLine.textContent = f.ticks != null ? `After ${f.ticks} ticks.` : '';
    const players = f.players || [];
    replace(resultBox,
      f.explanation ? h('p', { class: 'explanation' }, sentence(f.explanation)) : null,
      players.length ? h('ul', { class: 'plain testrun-players' }, players.map((p) => h('li', { class: 'item-line' },
        h('span', null, h('strong', null, playerLabel(p)),
          p.version ? h('span', { class: 'muted small' }, ` v${p.version}`) : null),
        h('span', null, p.result != null ? resultChip(p.result) : null, ' ', verdictWords(p), errorsWords(p))))) : null,
      players.filter((p) => typeof p.log === 'string' && p.log).map((p) => h('details', null,
        h('summary', null, `Your bot's log (${p.bot || 'bot'})`),
        h('pre', { class: 'log', tabindex: '0' }, p.log))));
    announce(`Test run ${f.state}.`);
    if (f.state === 'finished' && f.has_replay) {
      replace(replayBox, h('p', { class: 'loading', role: 'status' }, 'Loading the replay…'));
      mountReplay(replayBox, g, f).then((cleanup) => {
        if (stopped) cleanup(); else viewerCleanup = cleanup;
      }).catch((ex) => replace(replayBox, h('p', { class: 'form-error' }, `The replay could not be shown: ${ex.message}`)));
    }
  }

  showState('queued', null);
  stopStream = followFight(fightId, (ev) => {
    if (stopped || done) return;
    showState(ev.state, ev.tick);
    if (FINAL.has(ev.state)) check();
  });
  // The result is stored a moment after the stream's last state: ask until then.
  poll = setInterval(check, 1500);
  check();
  return () => {
    stopped = true;
    stopStream();
    clearInterval(poll);
    if (viewerCleanup) viewerCleanup();
  };
}

function verdictWords(p) {
  if (!p.verdict) return null;
  if (p.verdict === 'ok') return h('span', { class: 'chip chip-ok', title: verdictText(p) }, VERDICT_SHORT.ok);
  const w = verdictText(p);
  return h('span', { class: 'chip chip-bad verdict-text' }, w.charAt(0).toUpperCase() + w.slice(1));
}

function errorsWords(p) {
  const e = p.errors;
  if (!e || (!e.raised && !e.invalid)) return null;
  const parts = [e.raised ? `${e.raised} raised` : null, e.invalid ? `${e.invalid} invalid` : null].filter(Boolean).join(' · ');
  const f = e.first;
  return h('span', { class: 'player-errors small' }, ' ', h('span', { class: 'chip chip-warn' }, parts),
    f && f.message != null ? [' ', `tick ${f.tick}: `, h('code', null, f.message)] : null);
}
