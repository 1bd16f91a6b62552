// The fight page: players, invitations, actions, live status, results,
// verdicts, my own bots' logs, and the game's replay viewer.
import { h, link, errorBox, busy, toast, fmtDate, announce, fmtBytes, replace, download } from '../dom.js';
import { api, session, game, games } from '../api.js';
import { followFight, FINAL } from '../live.js';
import { stateChip, STATE_TEXT, verdictText, VERDICT_SHORT, resultChip, playerLabel, botSelect, gameTitle, rememberGames, isSystemFight, detailText, ladderChip, LADDER_FIGHT_TEXT } from '../views.js';
import { inviteBox } from './fights.js';
import { mountReplay } from '../replay.js';

// 'X' is the original Codefights' code for a fight that hit its tick limit.
function explanationText(e) {
  if (e === 'X') return 'The tick limit was reached.';
  const s = String(e);
  return s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
}

export async function page(ctx) {
  const id = ctx.params.id;
  let fight = await api.get(`/api/fights/${encodeURIComponent(id)}`);
  rememberGames(await games().catch(() => []));
  const g = await game(fight.game).catch(() => ({ name: fight.game, title: fight.game }));
  ctx.title = `${g.title || fight.game} fight`;

  const statusBox = h('div', { class: 'card status-card', 'aria-labelledby': 'status-title' });
  const actionsBox = h('div');
  const playersBox = h('div', { class: 'card' });
  const invitesBox = h('div');
  const replayBox = h('div', { class: 'card replay-card' });
  const logsBox = h('div');
  let replayShown = false;
  let viewerCleanup = null;
  ctx.onLeave(() => { if (viewerCleanup) viewerCleanup(); });

  function renderAll() {
    renderStatus(fight.state, fight.tick);
    renderActions();
    renderPlayers();
    renderInvites();
    renderLogs();
    renderReplay();
  }

  // Live status. The state is an aria-live region, so a change is read out;
  // the tick count beside it is not (it changes twice a second). The box is
  // built once and updated in place, so focus on its buttons survives.
  const stateText = h('span', { 'aria-live': 'polite', 'aria-atomic': 'true' });
  const tickText = h('span');
  const liveText = h('p', { class: 'status-line' }, stateText, tickText);
  const progress = h('progress', { max: '100', 'aria-label': 'Simulation progress' });
  const explanationEl = h('p', { class: 'explanation' });
  const metaEl = h('p', { class: 'muted small' });
  // The fight and its replay as the API gives them, in one JSON file
  // ({format, fight, replay}); /replay opens it again.
  const downloadBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'download-json' }, 'Download JSON');
  downloadBtn.addEventListener('click', () => busy(downloadBtn, async () => {
    try {
      const f = await api.get(`/api/fights/${encodeURIComponent(id)}`);
      const replay = f.has_replay ? await api.get(`/api/fights/${encodeURIComponent(id)}/replay`) : null;
      download(`fight-${id}.json`, `${JSON.stringify({ format: 'codefights-fight', fight: f, replay })}\n`, 'application/json');
    } catch (ex) { toast(ex.message, 'error'); }
  }));
  // Shown once the fight has ended (hidden on the outer box: .row's display would beat [hidden]).
  const downloadBox = h('div', { class: 'download-box' }, h('p', { class: 'row' }, downloadBtn,
    h('span', { class: 'muted small' }, 'The report and the replay; ', link('/replay', 'open a replay file'), ' plays it again.')));
  replace(statusBox,
    h('h2', { id: 'status-title', class: 'visually-hidden' }, 'Status'),
    h('div', { class: 'status-box' }, liveText, progress),
    explanationEl, metaEl, downloadBox, actionsBox);
  let shownState = null;
  function renderStatus(state, tick) {
    const maxTicks = fight.settings && Number.isInteger(fight.settings.max_ticks) ? fight.settings.max_ticks : null;
    if (state !== shownState) {
      shownState = state;
      // The chip names the state; the words after it say what it means.
      const words = {
        open: 'Waiting for players.',
        queued: 'Waiting for a simulator.',
        simulating: 'Running',
        finished: fight.ticks != null ? `After ${fight.ticks} ticks.` : '',
        failed: fight.explanation ? '' : 'The fight could not be simulated.', // else the explanation says it
        cancelled: 'Stopped before the end.',
      }[state] || '';
      replace(stateText, stateChip(state, null), ' ', words);
    }
    tickText.textContent = state === 'simulating' ? (tick != null ? `: tick ${tick}${maxTicks ? ` of at most ${maxTicks}` : ''}.` : '…') : '';
    progress.hidden = !(state === 'queued' || state === 'simulating');
    if (state === 'simulating' && tick != null && maxTicks) {
      progress.max = maxTicks;
      progress.value = Math.min(tick, maxTicks);
    } else progress.removeAttribute('value'); // indeterminate
    explanationEl.textContent = fight.explanation ? explanationText(fight.explanation) : '';
    explanationEl.hidden = !fight.explanation;
    downloadBox.hidden = !FINAL.has(state);
    metaEl.textContent = `${fight.ladder ? `${LADDER_FIGHT_TEXT}: made by the ladder, its result moves the players' ratings` : isSystemFight(fight) ? 'System fight: injected into the simulators\' queue, not hosted on the site' : `Hosted by ${fight.host}`} · ${fight.public ? 'public' : 'private'} · created ${fmtDate(fight.created_at)}` +
      (fight.finished_at ? ` · finished ${fmtDate(fight.finished_at)}` : '');
  }

  // Re-render only when something changed: the open fight is polled, and a
  // re-render would reset a half-chosen bot or a half-typed username.
  const signature = (f) => JSON.stringify([f.state, f.players, f.invitations, f.me, f.explanation]);
  let shownSignature = signature(fight);
  async function reload({ quiet = false } = {}) {
    try {
      const next = await api.get(`/api/fights/${encodeURIComponent(id)}`);
      if (!ctx.isCurrent()) return;
      const sig = signature(next);
      fight = next;
      if (sig === shownSignature) return;
      shownSignature = sig;
      renderAll();
    } catch (ex) { if (!quiet) toast(ex.message, 'error'); }
  }

  async function act(button, fn, okText) {
    await busy(button, async () => {
      try {
        await fn();
        if (okText) { toast(okText); announce(okText); }
        await reload();
      } catch (ex) { toast(ex.message, 'error'); announce(ex.message); }
    });
  }

  // Rebuilt only when what one may do changes, so a focused button stays put.
  let shownActions = null;
  function renderActions() {
    const me = fight.me || {};
    const invKey = me.invitation_id ? JSON.stringify((fight.invitations || []).find((i) => i.id === me.invitation_id) || null) : '';
    const phase = fight.state === 'queued' || fight.state === 'simulating' ? 'running' : fight.state;
    const accepted = (fight.invitations || []).filter((i) => i.state === 'accepted').length;
    const key = JSON.stringify([phase, me.can_start, me.can_cancel, me.is_host, invKey, (fight.players || []).length, accepted]);
    if (key === shownActions) return;
    shownActions = key;
    const items = [];
    if (me.can_start && fight.state === 'open') {
      const b = h('button', { type: 'button', class: 'btn', id: 'start-fight' }, 'Start fight');
      b.addEventListener('click', () => act(b, () => api.post(`/api/fights/${id}/start`), 'Fight started.'));
      items.push(b);
    }
    if (me.can_cancel && !FINAL.has(fight.state)) {
      const running = fight.state === 'queued' || fight.state === 'simulating';
      const b = h('button', { type: 'button', class: 'btn btn-danger', id: 'stop-fight' }, running ? 'Stop fight' : 'Cancel fight');
      b.addEventListener('click', () => {
        if (!window.confirm(running ? 'Stop this fight now?' : 'Cancel this fight?')) return;
        act(b, () => api.post(`/api/fights/${id}/cancel`), running ? 'Fight stopped.' : 'Fight cancelled.');
      });
      items.push(b);
    }
    const inv = me.invitation_id && (fight.invitations || []).find((i) => i.id === me.invitation_id);
    const box = [];
    if (inv && fight.state === 'open') box.push(invitationActions(inv));
    if (me.is_host && fight.state === 'open') {
      const min = fight.min_players; const max = fight.max_players;
      // Before the start, players are the host and whoever accepted.
      const have = Math.max((fight.players || []).length, 1 + accepted);
      box.push(h('p', { class: 'muted small' }, `${have} of ${min === max ? min : `${min}–${max}`} players ready.`,
        me.can_start ? '' : ' The fight can start once enough invitations are accepted.'));
    }
    // If one of these buttons had focus, the new one with the same id gets it back.
    const focusedId = actionsBox.contains(document.activeElement) ? document.activeElement.id : '';
    replace(actionsBox, ...box, items.length ? h('div', { class: 'row' }, items) : '');
    if (focusedId) { const again = document.getElementById(focusedId); if (again) again.focus(); }
  }

  function invitationActions(inv) {
    const err = errorBox();
    if (inv.state === 'pending') {
      const holder = h('div', null, h('p', { class: 'loading' }, 'Loading your bots…'));
      api.get(`/api/bots?game=${encodeURIComponent(fight.game)}`).then((r) => {
        const sel = botSelect(r.bots || [], { id: 'accept-bot', label: 'Fight with', game: fight.game });
        const accept = h('button', { type: 'button', class: 'btn', id: 'accept-invitation', disabled: !sel.select }, 'Accept');
        const decline = h('button', { type: 'button', class: 'btn btn-secondary', id: 'decline-invitation' }, 'Decline');
        accept.addEventListener('click', () => act(accept, () => api.post(`/api/invitations/${inv.id}/accept`, { bot_id: Number(sel.select.value) }), 'Invitation accepted.'));
        decline.addEventListener('click', () => act(decline, () => api.post(`/api/invitations/${inv.id}/decline`), 'Invitation declined.'));
        replace(holder, sel.node, h('div', { class: 'row' }, accept, decline));
      }).catch((ex) => { err.textContent = ex.message; });
      return h('div', { class: 'invite-card' }, h('h3', null, `${fight.host} invited you`), err, holder);
    }
    if (inv.state === 'accepted') {
      const w = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Withdraw');
      w.addEventListener('click', () => act(w, () => api.post(`/api/invitations/${inv.id}/withdraw`), 'You left the fight.'));
      return h('div', { class: 'row' }, h('p', { class: 'muted' }, `You accepted with ${inv.bot || 'your bot'}.`), w);
    }
    return h('p', { class: 'muted' }, `Your invitation: ${inv.state}.`);
  }

  function renderPlayers() {
    const players = fight.players || [];
    const finished = fight.state === 'finished';
    const rows = players.map((p) => h('tr', null,
      h('td', { 'data-label': 'Player' }, h('strong', null, isSystemFight(fight) && !fight.ladder ? 'System' : p.house ? 'House bot' : p.username),
        p.username === session.user?.username && !p.house ? h('span', { class: 'muted small' }, ' (you)') : null),
      h('td', { 'data-label': 'Bot' }, p.bot_id ? link(`/bots/${p.bot_id}`, p.bot || 'bot') : (p.bot || '—'),
        p.version ? h('span', { class: 'muted small nowrap' }, ` v${p.version}`) : null),
      finished ? h('td', { 'data-label': 'Result' }, p.result != null ? resultChip(p.result) : '—',
        p.score != null ? h('span', { class: 'muted small' }, ` score ${p.score}`) : null) : null,
      finished ? h('td', { 'data-label': 'Verdict' }, verdictCell(p)) : null,
      finished ? h('td', { 'data-label': 'Resources' }, h('span', { class: 'small muted' },
        p.cpu_ms != null ? `${p.cpu_ms} ms CPU` : '', p.peak_memory_kb != null ? ` · ${fmtBytes(p.peak_memory_kb * 1024)}` : '')) : null));
    replace(playersBox, h('h2', null, 'Players'),
      players.length === 0 ? h('p', { class: 'empty' }, 'No players yet.') :
        h('div', { class: 'table-wrap' }, h('table', { class: 'list stack-sm players' },
          h('thead', null, h('tr', null, ['Player', 'Bot', ...(finished ? ['Result', 'Verdict', 'Resources'] : [])].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, rows))),
      fight.settings && Object.keys(fight.settings).length ? h('p', { class: 'muted small fight-settings' }, 'Settings: ',
        Object.entries(fight.settings).map(([k, v], i) => [i ? ', ' : '', h('code', null, k), ` = ${v}`])) : null,
      fight.seed != null ? h('p', { class: 'muted small' }, `Seed ${fight.seed}`) : null);
  }

  // OK is a small green chip; anything else is said in words ("memory limit exceeded").
  // Calls that did nothing (raised, or a decision the game refused) follow.
  function verdictCell(p) {
    if (!p.verdict) return '—';
    const errors = errorsNote(p);
    if (p.verdict === 'ok') return h('span', null, h('span', { class: 'chip chip-ok', title: verdictText(p) }, VERDICT_SHORT.ok), errors);
    const words = verdictText(p);
    return h('span', null, h('span', { class: 'chip chip-bad verdict-text' }, words.charAt(0).toUpperCase() + words.slice(1)),
      p.detail ? h('span', { class: 'muted small verdict-detail' }, ` ${detailText(p.detail)}`) : null, errors);
  }

  // "12 calls raised · 3 invalid decisions", and the first one: its tick,
  // and for the bot's author its message (others see only the counts).
  function errorsNote(p) {
    const e = p.errors;
    if (!e || (!e.raised && !e.invalid)) return null;
    const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
    const counts = [e.raised ? plural(e.raised, 'call raised', 'calls raised') : null,
      e.invalid ? plural(e.invalid, 'invalid decision', 'invalid decisions') : null].filter(Boolean).join(' · ');
    const f = e.first;
    const first = f ? h('span', { class: 'error-first' }, `First at tick ${f.tick}: `,
      f.message != null ? h('code', null, f.message) : (f.kind === 'raised' ? 'an exception' : 'an invalid decision')) : null;
    return h('div', { class: 'player-errors small' }, h('span', { class: 'chip chip-warn' }, counts), ' ', first);
  }

  function renderInvites() {
    const me = fight.me || {};
    const invs = fight.invitations || [];
    if (invs.length === 0 && !(me.is_host && fight.state === 'open')) { replace(invitesBox); return; }
    const rows = invs.map((i) => {
      const cells = [h('span', { class: 'title' }, i.username), ' ', h('span', { class: `chip chip-${i.state === 'accepted' ? 'ok' : i.state === 'pending' ? 'wait' : 'bad'}` }, i.state),
        i.bot ? h('span', { class: 'muted small' }, ` with ${i.bot}`) : null];
      let btn = null;
      if (me.is_host && fight.state === 'open' && (i.state === 'pending' || i.state === 'accepted')) {
        btn = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Withdraw', h('span', { class: 'visually-hidden' }, ` invitation of ${i.username}`));
        btn.addEventListener('click', () => act(btn, () => api.post(`/api/invitations/${i.id}/withdraw`), `Invitation of ${i.username} withdrawn.`));
      }
      return h('li', { class: 'item-line' }, h('span', null, cells), btn);
    });
    let add = null;
    if (me.is_host && fight.state === 'open') {
      const err = errorBox();
      const box = inviteBox({
        onAdd: async (name) => {
          err.textContent = '';
          try {
            await api.post(`/api/fights/${id}/invitations`, { username: name });
            toast(`${name} invited.`);
            await reload();
          } catch (ex) { err.textContent = ex.message; }
        },
      });
      add = h('div', null, err, box.node);
    }
    replace(invitesBox, h('div', { class: 'card' }, h('h2', null, 'Invitations'),
      rows.length ? h('ul', { class: 'plain' }, rows) : h('p', { class: 'empty' }, 'Nobody invited yet.'), add));
  }

  function renderLogs() {
    const mine = (fight.players || []).filter((p) => typeof p.log === 'string');
    if (!mine.length || fight.state !== 'finished' && fight.state !== 'failed') { replace(logsBox); return; }
    replace(logsBox, h('div', { class: 'card' }, h('h2', null, 'Your bot\'s log'),
      h('p', { class: 'muted small' }, 'Only you see this: the last lines your bot wrote to stderr.'),
      mine.map((p) => h('details', { open: true }, h('summary', null, playerLabel(p)),
        p.log ? h('pre', { class: 'log', tabindex: '0' }, p.log) : h('p', { class: 'empty' }, 'Nothing was written.')))));
  }

  function renderReplay() {
    if (fight.state !== 'finished' || !fight.has_replay) {
      replayBox.hidden = true;
      return;
    }
    replayBox.hidden = false;
    if (replayShown) return;
    replayShown = true;
    replace(replayBox, h('h2', null, 'Replay'), h('p', { class: 'loading', role: 'status' }, 'Loading the replay…'));
    mountReplay(replayBox, g, fight).then((cleanup) => { viewerCleanup = cleanup; })
      .catch((ex) => replace(replayBox, h('h2', null, 'Replay'), h('p', { class: 'form-error' }, `The replay could not be shown: ${ex.message}`)));
  }

  renderAll();

  // Live: states from SSE; a new state reloads the fight (results, actions).
  if (!FINAL.has(fight.state)) {
    let lastState = fight.state;
    // The stream closes after a final state: make sure the page gets there
    // even if the first read of the fight lags behind the event.
    const settle = async (want, tries) => {
      await reload();
      if (ctx.isCurrent() && fight.state !== want && FINAL.has(want) && tries < 10) {
        setTimeout(() => settle(want, tries + 1), 1000);
      }
    };
    const stop = followFight(id, (ev) => {
      if (!ctx.isCurrent()) return;
      if (ev.state !== lastState) {
        lastState = ev.state;
        announce(`Fight ${STATE_TEXT[ev.state] || ev.state}.`);
        settle(ev.state, 0);
      } else if (ev.tick != null) {
        fight.tick = ev.tick;
        renderStatus(ev.state, ev.tick);
      }
    });
    ctx.onLeave(stop);
    // Invitation answers are not on the fight's stream: poll while open.
    const poll = setInterval(() => { if (fight.state === 'open') reload({ quiet: true }); }, 4000);
    ctx.onLeave(() => clearInterval(poll));
  }

  return h('section', { class: 'fight-page', dataset: { state: fight.state } },
    h('div', { class: 'page-head' },
      h('h1', null, `${gameTitle(fight.game)} fight`),
      fight.ladder ? ladderChip() : null,
      link(`/game/${encodeURIComponent(fight.game)}`, `About ${gameTitle(fight.game)}`, { class: 'btn btn-secondary btn-small' })),
    statusBox,
    replayBox,
    playersBox,
    logsBox,
    invitesBox);
}
