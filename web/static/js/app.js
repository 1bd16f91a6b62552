// app.js — boots the single-page front end: session, navigation, router.
// cf-web answers index.html for every non-API path, so the router owns the URL.
// Note: /games/... belongs to cf-web (viewer files), so game pages live at /game/...
import { h, replace, announce, toast, link } from './dom.js';
import { api, session, loadSession, setSession, onSession } from './api.js';
import { startLive, stopLive, onLive } from './live.js';
import * as auth from './pages/auth.js';
import * as gamesPages from './pages/games.js';
import * as bots from './pages/bots.js';
import * as fights from './pages/fights.js';
import * as fight from './pages/fight.js';
import * as dash from './pages/dashboard.js';
import * as arcade from './pages/arcade.js';
import * as play from './pages/play.js';
import * as community from './pages/arcade_community.js';
import * as kiosk from './pages/kiosk.js';
import * as admin from './pages/admin.js';
import * as replayFile from './pages/replay_file.js';
import * as ladder from './pages/ladder.js';

const routes = [
  { path: '/', page: dash.home },
  { path: '/login', page: auth.login, guest: true },
  { path: '/signup', page: auth.signup, guest: true },
  { path: '/reset', page: auth.reset },
  { path: '/account', page: auth.account, auth: true },
  { path: '/game', page: gamesPages.list },
  { path: '/game/:name', page: gamesPages.detail },
  { path: '/ladder', page: ladder.index },
  { path: '/ladder/:game', page: ladder.page },
  { path: '/bots', page: bots.list, auth: true },
  { path: '/bots/new', page: bots.create, auth: true },
  { path: '/bots/:id', page: bots.detail, auth: true },
  { path: '/fights', page: fights.list },
  { path: '/fights/new', page: fights.host, auth: true },
  { path: '/fights/:id', page: fight.page },
  // A replay file from this computer (cf-fight --replay), read in the browser.
  { path: '/replay', page: replayFile.page },
  { path: '/invitations', page: dash.invitations, auth: true },
  { path: '/dashboard', page: dash.dashboard, auth: true },
  { path: '/arcade', page: arcade.list },
  // Fixed names before /arcade/:id (the first match wins).
  { path: '/arcade/most-played', page: community.mostPlayed },
  { path: '/arcade/mine', page: community.mine, auth: true },
  { path: '/arcade/new', page: arcade.create, auth: true },
  // The kiosk: full screen, bare like the board.
  { path: '/arcade/demo', page: kiosk.page, bare: true },
  { path: '/arcade/:id', page: arcade.detail },
  // For embedding: the page alone, without the site's header and footer.
  { path: '/arcade/:id/board', page: community.board, bare: true },
  { path: '/play/:id', page: play.page },
  // The operator console: the page itself says "operators only" to others.
  { path: '/admin', page: admin.page, auth: true },
];

const main = document.getElementById('main');
let cleanups = [];
let renderSeq = 0;

function match(pathname) {
  const parts = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  for (const r of routes) {
    const rp = r.path.split('/').filter(Boolean);
    if (rp.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < rp.length; i++) {
      if (rp[i].startsWith(':')) params[rp[i].slice(1)] = decodeURIComponent(parts[i]);
      else if (rp[i] !== parts[i]) { ok = false; break; }
    }
    if (ok) return { route: r, params };
  }
  return null;
}

export function navigate(to, { replace: rep = false } = {}) {
  if (rep) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  render({ focus: true });
}

async function render({ focus = false } = {}) {
  const seq = ++renderSeq;
  for (const fn of cleanups) { try { fn(); } catch { /* page already gone */ } }
  cleanups = [];
  closeMenu();
  const url = new URL(location.href);
  const found = match(url.pathname);
  updateNav(url.pathname);
  if (!found) {
    document.body.classList.remove('bare');
    show(seq, notFound(), 'Page not found', focus);
    return;
  }
  const { route, params } = found;
  document.body.classList.toggle('bare', !!route.bare);
  if (route.auth && !session.user) {
    navigate(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
    return;
  }
  if (route.guest && session.user) {
    navigate('/dashboard', { replace: true });
    return;
  }
  const ctx = {
    params,
    query: url.searchParams,
    navigate,
    onLeave: (fn) => cleanups.push(fn),
    isCurrent: () => seq === renderSeq,
    title: '',
  };
  let node;
  try {
    node = await route.page(ctx);
  } catch (err) {
    node = errorPage(err);
    ctx.title = 'Error';
  }
  if (seq !== renderSeq) return; // the user went elsewhere meanwhile
  show(seq, node, ctx.title, focus);
}

function show(seq, node, title, focus) {
  replace(main, node);
  document.title = title ? `${title} · Codefights` : 'Codefights';
  if (focus) {
    // Move focus to the new page's heading so keyboard and screen-reader users land on it.
    const h1 = main.querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); } else main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
    announce(title || 'Codefights');
  }
}

function notFound() {
  return h('section', { class: 'narrow card' },
    h('h1', null, 'Page not found'),
    h('p', null, 'There is nothing at this address.'),
    link('/', 'Go to the start page', { class: 'btn' }));
}

export function errorPage(err) {
  const status = err && err.status;
  const title = status === 404 ? 'Not found' : 'Something went wrong';
  return h('section', { class: 'narrow card' },
    h('h1', null, title),
    h('p', null, status === 404 ? 'It does not exist, or it is not visible to you.'
      : status === 401 ? 'Please log in to see this page.' : (err && err.message) || 'Unexpected error.'),
    link('/', 'Go to the start page', { class: 'btn' }));
}

// ---- navigation bar ----
const navMain = document.getElementById('nav-main');
const navUser = document.getElementById('nav-user');
const toggle = document.querySelector('.nav-toggle');
const siteNav = document.getElementById('site-nav');
let pendingInvitations = 0;

function navLink(href, text, extra) {
  return h('li', null, h('a', { href, 'data-link': '' }, text, extra));
}

function buildNav() {
  const items = [navLink('/game', 'Games'), navLink('/fights', 'Fights'), navLink('/ladder', 'Ladder'), navLink('/arcade', 'Arcade')];
  if (session.user) {
    items.unshift(navLink('/dashboard', 'Dashboard'));
    items.push(navLink('/bots', 'My bots'), navLink('/fights/new', 'Host a fight'),
      navLink('/invitations', 'Invitations', pendingInvitations > 0
        ? h('span', { class: 'nav-badge', 'aria-label': `${pendingInvitations} waiting` }, String(pendingInvitations))
        : null));
    if (session.user.operator === true) items.push(navLink('/admin', 'Console'));
    replace(navUser,
      navLink('/account', `Account (${session.user.username})`),
      h('li', null, h('button', { type: 'button', onclick: logout }, 'Log out')));
  } else {
    replace(navUser, navLink('/login', 'Log in'), navLink('/signup', 'Sign up'));
  }
  replace(navMain, items);
  updateNav(location.pathname);
}

function updateNav(pathname) {
  for (const a of document.querySelectorAll('.site-nav a')) {
    const href = a.getAttribute('href');
    const current = href === pathname || (href !== '/' && href !== '/fights' && pathname.startsWith(href + '/')) ||
      (href === '/fights' && /^\/fights\/(?!new)/.test(pathname)) ||
      (href === '/arcade' && pathname.startsWith('/play/'));
    if (current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

function closeMenu() {
  siteNav.classList.remove('open');
  toggle.setAttribute('aria-expanded', 'false');
}

toggle.addEventListener('click', () => {
  const open = !siteNav.classList.contains('open');
  siteNav.classList.toggle('open', open);
  toggle.setAttribute('aria-expanded', String(open));
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && siteNav.classList.contains('open')) { closeMenu(); toggle.focus(); }
});

async function logout() {
  try {
    await api.post('/api/logout');
  } catch (err) {
    if (err.status !== 401) { toast(err.message, 'error'); return; }
  }
  setSession({ user: null, csrf_token: '' });
  try { await loadSession(); } catch { /* a fresh token comes with the next request */ }
  toast('You are logged out.');
  navigate('/');
}

export async function refreshInvitationCount() {
  if (!session.user) { pendingInvitations = 0; buildNav(); return; }
  try {
    const r = await api.get('/api/invitations');
    pendingInvitations = (r.invitations || []).filter((i) => i.state === 'pending').length;
  } catch { /* the badge is a convenience */ }
  buildNav();
}

// Same-origin links marked data-link (and plain internal links) go through the router.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//') || href.startsWith('/api/') || href.startsWith('/games/')) return;
  e.preventDefault();
  navigate(href);
});
window.addEventListener('popstate', () => render({ focus: true }));

let lastUserId = null;
let lastOperator = false;
onSession(() => {
  const id = session.user ? session.user.id : null;
  const op = !!(session.user && session.user.operator);
  if (id === lastUserId) { if (op !== lastOperator) { lastOperator = op; buildNav(); } return; }
  lastUserId = id;
  lastOperator = op;
  pendingInvitations = 0;
  buildNav();
  if (id) { startLive(); refreshInvitationCount(); } else stopLive();
});
// The stream replays pending invitations on (re)connect: count once per burst.
let countTimer = null;
onLive('invitation', () => { clearTimeout(countTimer); countTimer = setTimeout(refreshInvitationCount, 250); });

async function boot() {
  try {
    await loadSession();
  } catch (err) {
    toast(err.message, 'error');
  }
  buildNav();
  await render();
}
boot();
