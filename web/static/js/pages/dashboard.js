// Start page, dashboard (my fights, invitations waiting, my bots), invitations.
import { h, link, busy, toast, fmtDate, announce, replace } from '../dom.js';
import { api, session, games } from '../api.js';
import { fightTable, rememberGames, gameTitle, stateChip, botSelect } from '../views.js';
import { onLive, FINAL } from '../live.js';
import { botList } from './bots.js';
import { preview } from './games.js';
import { refreshInvitationCount } from '../app.js';

export async function home(ctx) {
  if (session.user) return dashboard(ctx);
  ctx.title = '';
  const all = await games().catch(() => []);
  rememberGames(all);
  const recent = await api.get('/api/fights?per_page=5').catch(() => ({ fights: [] }));
  return h('section', null,
    h('div', { class: 'hero' },
      h('h1', null, 'Write a bot. Pick a fight.'),
      h('p', null, 'Codefights runs your Python bots against each other in games like Tanks, every bot in its own sandbox, and shows you the replay.'),
      h('div', { class: 'row' }, link('/signup', 'Create an account', { class: 'btn' }), link('/login', 'Log in', { class: 'btn btn-secondary' }))),
    h('h2', null, 'Games'),
    h('ul', { class: 'grid grid-3 plain' }, all.map((g) => h('li', { class: 'card game-card' },
      preview(g),
      h('h3', null, link(`/game/${encodeURIComponent(g.name)}`, g.title || g.name)),
      h('p', null, g.summary || '')))),
    h('h2', null, 'Recent public fights'),
    fightTable(recent.fights, { empty: 'No public fights yet.', caption: 'Recent public fights' }),
    h('p', null, link('/fights', 'All public fights →')));
}

export async function dashboard(ctx) {
  ctx.title = 'Dashboard';
  const [d, all] = await Promise.all([api.get('/api/dashboard'), games().catch(() => [])]);
  rememberGames(all);
  const fightsBox = h('div');
  const invBox = h('div');
  const renderFights = (list) => replace(fightsBox, fightTable(list, { empty: 'No fights yet: host one or play now against a house bot.', caption: 'My fights' }));
  renderFights(d.fights);
  replace(invBox, invitationList(ctx, (d.invitations || []).filter((i) => i.state === 'pending'), { compact: true }));

  // Live. The stream first replays the current state of my recent fights and
  // pending invitations, so only what differs from the page triggers work,
  // and reloads are grouped (debounced).
  const knownFights = new Map();
  const knownInvs = new Map();
  const remember = (data) => {
    knownFights.clear();
    for (const f of data.fights || []) knownFights.set(f.id, f.state);
    knownInvs.clear();
    for (const i of data.invitations || []) if (i.state === 'pending') knownInvs.set(i.id, i.state);
  };
  remember(d);
  let timer = null;
  let invChanged = false;
  const reload = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const r = await api.get('/api/dashboard');
        if (!ctx.isCurrent()) return;
        remember(r);
        renderFights(r.fights);
        replace(invBox, invitationList(ctx, (r.invitations || []).filter((i) => i.state === 'pending'), { compact: true }));
        if (invChanged) announce('Your invitations changed.');
        invChanged = false;
      } catch { /* the next event retries */ }
    }, 250);
  };
  ctx.onLeave(() => clearTimeout(timer));
  const offStatus = onLive('status', (ev) => {
    const cell = fightsBox.querySelector(`[data-fight="${CSS.escape(ev.id)}"] .state-cell`);
    if (knownFights.get(ev.id) === ev.state) {
      if (cell && ev.state === 'simulating') replace(cell, stateChip(ev.state, ev.tick));
      return;
    }
    knownFights.set(ev.id, ev.state);
    // A running fight's row just changes its chip; one that ended (results)
    // or that the page does not show yet needs the list again.
    if (cell && !FINAL.has(ev.state)) replace(cell, stateChip(ev.state, ev.tick));
    else reload();
  });
  const offInv = onLive('invitation', (ev) => {
    const known = knownInvs.get(ev.id);
    if (known === ev.state || (known === undefined && ev.state !== 'pending')) return;
    invChanged = true;
    reload();
  });
  ctx.onLeave(offStatus);
  ctx.onLeave(offInv);

  return h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, `Hello, ${session.user.username}`),
      h('div', { class: 'row' }, link('/fights/new', 'Host a fight', { class: 'btn' }), link('/game', 'Play now', { class: 'btn btn-secondary' }))),
    h('div', { class: 'grid grid-2 dash' },
      h('div', { class: 'card dash-fights' }, h('h2', null, 'My fights'), fightsBox,
        h('p', null, link('/fights?mine=1', 'All my fights →'))),
      h('div', null,
        h('div', { class: 'card' }, h('h2', null, 'Invitations waiting'), invBox, h('p', null, link('/invitations', 'All invitations →'))),
        h('div', null, h('div', { class: 'page-head' }, h('h2', null, 'My bots'), link('/bots/new', 'Upload a bot', { class: 'btn btn-secondary btn-small' })),
          botList(d.bots || [])))));
}

export async function invitations(ctx) {
  ctx.title = 'Invitations';
  const r = await api.get('/api/invitations');
  await games().then(rememberGames).catch(() => {});
  const list = r.invitations || [];
  const pending = list.filter((i) => i.state === 'pending');
  const other = list.filter((i) => i.state !== 'pending');
  // Re-render when an invitation appears or changes; the stream's replay of
  // what the page already shows is ignored.
  const shown = new Map(list.map((i) => [i.id, i.state]));
  const off = onLive('invitation', (ev) => {
    if (shown.get(ev.id) === ev.state) return;
    shown.set(ev.id, ev.state);
    if (ctx.isCurrent()) ctx.navigate(location.pathname + location.search, { replace: true });
  });
  ctx.onLeave(off);
  return h('section', null,
    h('h1', null, 'Invitations'),
    h('div', { class: 'card' }, h('h2', null, 'Waiting for your answer'), invitationList(ctx, pending)),
    other.length ? h('div', { class: 'card' }, h('h2', null, 'Earlier'),
      h('ul', { class: 'plain' }, other.map((i) => h('li', { class: 'item-line' },
        h('span', null, link(`/fights/${i.fight_id}`, `${gameTitle(i.game)} fight by ${i.host}`), ' ',
          h('span', { class: 'muted small' }, fmtDate(i.created_at))),
        h('span', null, h('span', { class: 'chip' }, i.state), ' ', stateChip(i.fight_state)))))) : null);
}

// Pending invitations, each with a bot choice, Accept and Decline.
function invitationList(ctx, list, { compact = false } = {}) {
  if (!list.length) return h('p', { class: 'empty' }, 'No invitations waiting.');
  return h('ul', { class: 'plain' }, list.map((inv) => {
    const li = h('li', { dataset: { invitation: inv.id } });
    const holder = h('div', null, h('p', { class: 'loading small' }, 'Loading your bots…'));
    api.get(`/api/bots?game=${encodeURIComponent(inv.game)}`).then((r) => {
      const sel = botSelect(r.bots || [], { id: `bot-${inv.id}`, label: 'Fight with', game: inv.game });
      const accept = h('button', { type: 'button', class: 'btn btn-small', disabled: !sel.select }, 'Accept',
        h('span', { class: 'visually-hidden' }, ` invitation from ${inv.host}`));
      const decline = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Decline',
        h('span', { class: 'visually-hidden' }, ` invitation from ${inv.host}`));
      const answer = async (btn, verb, body) => busy(btn, async () => {
        try {
          const res = await api.post(`/api/invitations/${inv.id}/${verb}`, body);
          toast(verb === 'accept' ? 'Accepted: good luck!' : 'Declined.');
          refreshInvitationCount();
          if (verb === 'accept') ctx.navigate(`/fights/${res.fight_id || inv.fight_id}`);
          else li.remove();
        } catch (ex) { toast(ex.message, 'error'); }
      });
      accept.addEventListener('click', () => answer(accept, 'accept', { bot_id: Number(sel.select.value) }));
      decline.addEventListener('click', () => answer(decline, 'decline'));
      replace(holder, sel.node, h('div', { class: 'row' }, accept, decline));
    }).catch((ex) => replace(holder, h('p', { class: 'form-error' }, ex.message)));
    li.append(
      h('p', null, h('strong', null, inv.host), ' invited you to a ',
        link(`/fights/${inv.fight_id}`, `${gameTitle(inv.game)} fight`), compact ? '' : h('span', { class: 'muted small' }, ` · ${fmtDate(inv.created_at)}`)),
      holder);
    return li;
  }));
}
