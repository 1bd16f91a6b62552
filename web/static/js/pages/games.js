// Games: the catalogue and one game's page (docs, settings, templates, play now).
import { h, link, errorBox, busy, toast } from '../dom.js';
import { api, session, games, game } from '../api.js';
import { renderMarkdown } from '../markdown.js';
import { CONCLUSION_TEXT, playerCount, rememberGames, botSelect } from '../views.js';

// The game's own preview picture when it ships one, else a drawn arena.
export function preview(g, { alt } = {}) {
  const label = alt || `Preview of ${g.title || g.name}`;
  // The game's own picture, else ours in img/games/, else one drawn here.
  const src = g.preview || `/img/games/${encodeURIComponent(g.name)}.svg`;
  const img = h('img', { class: 'preview', src, alt: label, loading: 'lazy', width: '640', height: '400' });
  img.addEventListener('error', () => img.replaceWith(drawnPreview(g, label)), { once: true });
  return img;
}

function hash(s) {
  let x = 2166136261;
  for (const c of String(s)) { x ^= c.codePointAt(0); x = Math.imul(x, 16777619) >>> 0; }
  return x;
}

// A small deterministic picture: a grid arena with a few pieces, coloured by the game's name.
function drawnPreview(g, label) {
  const c = h('canvas', { class: 'preview', width: '640', height: '400', role: 'img', 'aria-label': label });
  const ctx = c.getContext('2d');
  if (!ctx) return c;
  let seed = hash(g.name);
  const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
  const hue = seed % 360;
  ctx.fillStyle = '#0d1117';
  ctx.fillRect(0, 0, 640, 400);
  ctx.strokeStyle = `hsla(${hue}, 40%, 45%, .35)`;
  ctx.lineWidth = 1;
  for (let x = 0; x <= 640; x += 32) { ctx.beginPath(); ctx.moveTo(x + .5, 0); ctx.lineTo(x + .5, 400); ctx.stroke(); }
  for (let y = 0; y <= 400; y += 32) { ctx.beginPath(); ctx.moveTo(0, y + .5); ctx.lineTo(640, y + .5); ctx.stroke(); }
  for (let i = 0; i < 9; i++) {
    ctx.fillStyle = `hsla(${hue}, 25%, 35%, .9)`;
    ctx.fillRect(Math.floor(rnd() * 20) * 32, Math.floor(rnd() * 12) * 32, 32, 32);
  }
  const colours = ['#ff7b72', '#58a6ff', '#56d364', '#e3b341'];
  const n = Math.max(2, Math.min(4, g.max_players || 2));
  for (let i = 0; i < n; i++) {
    const x = 80 + rnd() * 480; const y = 70 + rnd() * 260;
    ctx.fillStyle = colours[i];
    ctx.beginPath(); ctx.arc(x, y, 14, 0, Math.PI * 2); ctx.fill();
    ctx.strokeStyle = colours[i]; ctx.lineWidth = 4;
    const a = rnd() * Math.PI * 2;
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + Math.cos(a) * 28, y + Math.sin(a) * 28); ctx.stroke();
  }
  ctx.fillStyle = 'rgba(13,17,23,.7)';
  ctx.fillRect(0, 330, 640, 70);
  ctx.fillStyle = '#f0f6fc';
  ctx.font = 'bold 34px system-ui, sans-serif';
  ctx.fillText(g.title || g.name, 24, 378);
  return c;
}

export async function list(ctx) {
  ctx.title = 'Games';
  const all = await games();
  rememberGames(all);
  return h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, 'Games')),
    h('p', { class: 'muted' }, 'Pick a game, read its rules, download a starter bot, and fight.'),
    all.length === 0 ? h('p', { class: 'empty' }, 'No games are installed.') :
      h('ul', { class: 'grid grid-3 plain' }, all.map((g) => h('li', { class: 'card game-card' },
        preview(g),
        h('h2', null, link(`/game/${encodeURIComponent(g.name)}`, g.title || g.name)),
        h('p', null, g.summary || ''),
        h('p', { class: 'muted small' }, playerCount(g), ' · ', g.conclusion === 'rank' ? 'ranked' : 'win / draw / loss')))));
}

export async function detail(ctx) {
  const g = await game(ctx.params.name);
  ctx.title = g.title || g.name;
  const myBots = session.user ? ((await api.get(`/api/bots?game=${encodeURIComponent(g.name)}`)).bots || []) : [];

  const settingsTable = (g.settings || []).length === 0 ? h('p', { class: 'muted' }, 'No settings.') :
    h('div', { class: 'table-wrap' }, h('table', { class: 'list stack-sm' },
      h('thead', null, h('tr', null, ['Setting', 'Default', 'Range', 'Host may change'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, g.settings.map((s) => h('tr', null,
        h('td', { 'data-label': 'Setting' }, s.label || s.key, ' ', h('code', null, s.key)),
        h('td', { 'data-label': 'Default' }, String(s.default)),
        h('td', { 'data-label': 'Range' }, `${s.min} – ${s.max}`),
        h('td', { 'data-label': 'Host may change' }, s.user ? 'yes' : 'no'))))));

  const templates = (g.templates || []).length === 0 ? h('p', { class: 'muted' }, 'No starter templates.') :
    h('ul', { class: 'plain' }, g.templates.map((t) => h('li', { class: 'item-line' },
      h('span', null, h('code', { class: 'title' }, t.name),
        t.description ? h('span', { class: 'muted small template-desc' }, t.description) : null),
      h('a', { href: t.url, download: t.name, class: 'btn btn-secondary btn-small' }, 'Download ', h('span', { class: 'visually-hidden' }, t.name)))));

  return h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, g.title || g.name),
      h('div', { class: 'row' },
        session.user ? link(`/fights/new?game=${encodeURIComponent(g.name)}`, 'Host a fight', { class: 'btn' }) : null,
        session.user ? link(`/bots/new?game=${encodeURIComponent(g.name)}`, 'Upload a bot', { class: 'btn btn-secondary' }) : null,
        link(`/ladder/${encodeURIComponent(g.name)}`, 'Ladder', { class: 'btn btn-secondary' }))),
    h('p', { class: 'lead' }, g.summary || ''),
    h('div', { class: 'grid grid-2' },
      h('div', null,
        h('div', { class: 'card game-card' }, preview(g)),
        h('div', { class: 'card' },
          h('h2', null, 'At a glance'),
          h('dl', { class: 'facts' },
            h('dt', null, 'Players'), h('dd', null, playerCount(g)),
            h('dt', null, 'Conclusion'), h('dd', null, CONCLUSION_TEXT[g.conclusion] || g.conclusion),
            h('dt', null, 'Scores'), h('dd', null, g.has_scores ? 'Players also get a score' : 'No scores'))),
        playNowCard(ctx, g, myBots),
        h('div', { class: 'card' }, h('h2', null, 'Starter templates'), templates),
        h('div', { class: 'card' }, h('h2', null, 'Settings'), settingsTable)),
      h('article', { class: 'card', 'aria-labelledby': 'docs-title' },
        h('h2', { id: 'docs-title' }, 'For bot authors'),
        renderMarkdown(g.docs || 'No documentation yet.'))));
}

// One click: fight your bot against the house bot (the game's starter template).
// With no bot yet, the first starter template becomes your bot, then it fights.
export function playNowCard(ctx, g, myBots) {
  const err = errorBox();
  if (!session.user) {
    return h('div', { class: 'card' }, h('h2', null, 'Play now'),
      h('p', null, link(`/login?next=${encodeURIComponent(`/game/${g.name}`)}`, 'Log in'), ' or ',
        link(`/signup?next=${encodeURIComponent(`/game/${g.name}`)}`, 'sign up'), ' to fight the house bot.'));
  }
  const sel = myBots.length ? botSelect(myBots, { id: 'playnow-bot', label: 'Your bot' }) : null;
  // The house bots are the game's starter templates; a do-nothing one makes a dull opponent.
  const templates = g.templates || [];
  const preferred = templates.find((t) => !/empty|idle|noop/i.test(t.name)) || templates[0];
  const opponent = templates.length > 1
    ? h('select', { id: 'playnow-opponent', name: 'template' }, templates.map((t) => h('option', { value: t.name, selected: t === preferred }, t.name)))
    : null;
  const btn = h('button', { type: 'button', class: 'btn' }, myBots.length ? 'Play now vs house bot' : 'Play now with the starter bot');
  btn.addEventListener('click', () => busy(btn, async () => {
    err.textContent = '';
    try {
      let botId = sel && sel.select ? Number(sel.select.value) : null;
      if (!botId) {
        if (!preferred) throw new Error('This game has no starter template to play with.');
        const code = await api.text(preferred.url);
        const base = `Starter ${g.title || g.name}`.replace(/[^A-Za-z0-9 _.-]/g, '').slice(0, 56);
        let bot = null;
        for (let i = 0; !bot; i++) {
          try {
            bot = await api.post('/api/bots', { name: i ? `${base} ${i + 1}` : base, game: g.name, code });
          } catch (ex) {
            if (ex.status !== 409 || i >= 5) throw ex; // name taken: try the next number
          }
        }
        botId = bot.id;
      }
      const body = { bot_id: botId };
      if (opponent) body.template = opponent.value;
      const f = await api.post('/api/fights/play-now', body);
      toast('Fight queued.');
      ctx.navigate(`/fights/${f.id}`);
    } catch (ex) { err.textContent = ex.message; }
  }));
  return h('div', { class: 'card' }, h('h2', null, 'Play now'),
    h('p', { class: 'muted' }, 'A private fight against the house bot, simulated right away.'),
    err, sel ? sel.node : null,
    opponent ? h('div', { class: 'field' }, h('label', { for: 'playnow-opponent' }, 'House bot'), opponent) : null,
    btn);
}
