// The arcade: games people uploaded for smartphone_connector, played in the
// browser. The list (search, my games), the upload form, and one game's page
// (description, versions, best scores, Play; edit, new version and delete
// for its owner). A play itself is pages/play.js.
import { h, link, field, errorBox, okBox, busy, toast, fmtDate, fmtShort, fmtBytes, fmtDuration, announce, replace, uid } from '../dom.js';
import { api, session, qs } from '../api.js';
import { INPUT_KINDS, INPUT_TEXT, inputBadges, fmtScore, confirmDialog } from '../views.js';
import { starsView } from '../arcade/stars.js';
import { renderScoreboard, renderMyPlays } from '../arcade/scoreboard.js';
import { ratingWidget } from '../arcade/rating.js';

const MiB = 1024 * 1024;
// The server's default limits (arcade.max_code_bytes, arcade.max_bundle_bytes,
// the preview column); checked here first so nobody waits for 16 MiB to
// travel only to be refused. The server's own 413 names its actual limit.
export const MAX_CODE_BYTES = 1 * MiB;
export const MAX_BUNDLE_BYTES = 16 * MiB;
export const MAX_PREVIEW_BYTES = 2 * MiB;
// PNG, JPEG, GIF, WebP: the server reads the type from the bytes and refuses SVG.
const PREVIEW_TYPES = 'image/png,image/jpeg,image/gif,image/webp';
const PER_PAGE = 24;
const PLACEHOLDER = '/img/arcade-game.svg';

const gameUrl = (id) => `/api/arcade/games/${encodeURIComponent(id)}`;

// A size over a limit, never rounded down to the limit itself ("16.0 MiB").
function overSize(size, limit) {
  const text = fmtBytes(size);
  return text === fmtBytes(limit) ? `${text} (${size.toLocaleString('en')} bytes)` : text;
}

// The game's preview picture, or the arcade's placeholder (also when the
// picture fails to load).
export function preview(g) {
  const img = h('img', {
    class: 'preview', src: g.preview_url || PLACEHOLDER, loading: 'lazy', width: '640', height: '400',
    alt: g.preview_url ? `Preview of ${g.title}` : '',
  });
  if (g.preview_url) {
    img.addEventListener('error', () => { img.src = PLACEHOLDER; img.alt = ''; }, { once: true });
  }
  return img;
}

// Starts a play of game `id` and goes to its page; anyone may play.
export async function startPlay(ctx, id, button) {
  await busy(button, async () => {
    try {
      const r = await api.post(`${gameUrl(id)}/plays`, {});
      ctx.navigate(`/play/${encodeURIComponent(r.play.id)}`);
    } catch (ex) {
      toast(ex.message, 'error');
      announce(ex.message);
    }
  });
}

function playButton(ctx, g, { small = false } = {}) {
  const b = h('button', { type: 'button', class: `btn${small ? ' btn-small' : ''} play-btn` },
    'Play', h('span', { class: 'visually-hidden' }, ` ${g.title}`));
  b.addEventListener('click', () => startPlay(ctx, g.id, b));
  return b;
}

// "12 plays · best score 42", the time played when there is some.
function playsLine(g) {
  const plays = Number(g.plays) || 0;
  return h('p', { class: 'muted small arcade-stats' },
    `${plays} ${plays === 1 ? 'play' : 'plays'}`,
    g.total_ms ? ` · ${fmtDuration(g.total_ms)} played` : '',
    g.best_score != null ? ` · best score ${fmtScore(g.best_score)}` : '');
}

// The inputs' badges and "no score" (plays ended, none reported a score).
export function gameBadges(g) {
  const inputs = inputBadges(g.inputs);
  const noScore = g.reports_score === false
    ? h('li', null, h('span', { class: 'chip chip-noscore', title: 'Its plays never report a score' }, 'no score')) : null;
  if (!noScore) return inputs;
  if (!inputs) return h('ul', { class: 'badges', 'aria-label': 'Inputs' }, noScore);
  inputs.appendChild(noScore);
  return inputs;
}

// The description on a card: text (never markup), cut by CSS to a few lines.
function shortDescription(text) {
  const t = String(text || '').trim();
  return t ? h('p', { class: 'arcade-card-description' }, t) : null;
}

function gameCard(ctx, g) {
  return h('li', { class: 'card game-card arcade-card', dataset: { game: String(g.id) } },
    preview(g),
    h('h2', null, link(`/arcade/${encodeURIComponent(g.id)}`, g.title)),
    g.authors ? h('p', { class: 'muted small arcade-authors' }, `by ${g.authors}`) : null,
    starsView(g.rating || null),
    g.hidden ? h('p', null, h('span', { class: 'chip chip-wait' }, 'Hidden')) : null,
    shortDescription(g.description),
    gameBadges(g),
    playsLine(g),
    h('div', { class: 'row arcade-card-actions' }, playButton(ctx, g)));
}

function gameList(ctx, games, { q }) {
  if (!games.length) return h('p', { class: 'empty' }, q ? `No game matches “${q}”.` : 'No games yet.');
  return h('ul', { class: 'grid grid-3 plain arcade-list' }, games.map((g) => gameCard(ctx, g)));
}

// A pager: Previous / Page N / Next (has_more says whether there is a next).
export function pager(base, params, page, hasNext) {
  if (page <= 1 && !hasNext) return null;
  const pageLink = (p, text, rel) => link(`${base}${qs({ ...params, page: p > 1 ? p : '' })}`, text, { class: 'btn btn-secondary btn-small', rel });
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    page > 1 ? pageLink(page - 1, '← Previous', 'prev') : null,
    h('span', { 'aria-current': 'page' }, `Page ${page}`),
    hasNext ? pageLink(page + 1, 'Next →', 'next') : null);
}

// The list and, when there is more than one page, a pager.
function results(ctx, r, { q, page }) {
  return [gameList(ctx, r.games || [], { q }), pager('/arcade', { q }, page, !!r.has_more)];
}

const listUrl = ({ q, page }) => `/api/arcade/games${qs({ q, page: page > 1 ? page : '', per_page: PER_PAGE, order: 'rating' })}`;

// The arcade's other pages, from every one of them.
export function arcadeLinks(current) {
  const items = [
    ['/arcade', 'All games'],
    ['/arcade/most-played', 'Most played'],
    ['/arcade/demo', 'Kiosk'],
    session.user ? ['/arcade/mine', 'My games'] : null,
  ].filter(Boolean);
  return h('nav', { class: 'arcade-tabs', 'aria-label': 'Arcade' },
    h('ul', { class: 'row plain-row' }, items.map(([href, text]) =>
      h('li', null, link(href, text, href === current ? { 'aria-current': 'page' } : {})))));
}

export async function list(ctx) {
  ctx.title = 'Arcade';
  // "My games" has its own page now.
  if (ctx.query.get('mine') === '1') {
    ctx.navigate('/arcade/mine', { replace: true });
    return h('p', { class: 'loading' }, 'Loading…');
  }
  let q = (ctx.query.get('q') || '').trim();
  const page = Math.max(1, parseInt(ctx.query.get('page') || '1', 10) || 1);
  const r = await api.get(listUrl({ q, page }));
  const found = h('div', { class: 'arcade-results' }, results(ctx, r, { q, page }));

  // Searching updates the list in place (focus stays in the box) and the
  // address, so the search can be shared or reloaded.
  const input = h('input', { type: 'search', name: 'q', value: q, maxlength: '100', autocomplete: 'off', placeholder: 'Title or authors' });
  const submit = h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Search');
  const form = h('form', { role: 'search', class: 'arcade-search', novalidate: true },
    field('Search games', input), submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    q = input.value.trim();
    await busy(submit, async () => {
      try {
        const again = await api.get(listUrl({ q, page: 1 }));
        if (!ctx.isCurrent()) return;
        history.replaceState(null, '', `/arcade${qs({ q })}`);
        replace(found, results(ctx, again, { q, page: 1 }));
        const n = (again.games || []).length;
        announce(again.has_more ? `More than ${n} games found.` : `${n} ${n === 1 ? 'game' : 'games'} found.`);
      } catch (ex) { toast(ex.message, 'error'); }
    });
  });

  return h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, 'Arcade'),
      session.user ? link('/arcade/new', 'Upload a game', { class: 'btn' }) : null),
    h('p', { class: 'muted' }, 'Small games written in Python for smartphone_connector. They run on our server; you play them here, with the keyboard, the mouse or your phone. The best rated come first.',
      session.user ? '' : [' ', link('/login?next=%2Farcade%2Fnew', 'Log in'), ' to upload your own and rate games.']),
    h('div', { class: 'arcade-filters' }, arcadeLinks('/arcade'), form),
    found);
}

// ---- the metadata form (upload and edit) ----

// Title, authors, description, inputs (and hidden, when editing).
function metadataFields(prefix, g = {}, { withHidden = false } = {}) {
  const title = h('input', { type: 'text', name: 'title', value: g.title || '', required: true, maxlength: '100', autocomplete: 'off' });
  const authors = h('input', { type: 'text', name: 'authors', value: g.authors || '', maxlength: '200', autocomplete: 'off' });
  const description = h('textarea', { name: 'description', maxlength: '4000', class: 'arcade-description-input' });
  description.value = g.description || '';
  const boxes = INPUT_KINDS.map((k) => {
    const id = `${prefix}-input-${k}`;
    const box = h('input', { type: 'checkbox', id, name: 'inputs', value: k, checked: (g.inputs || []).includes(k) });
    return { k, box, node: h('div', { class: 'choice' }, box, h('label', { for: id }, INPUT_TEXT[k])) };
  });
  const hidden = withHidden ? h('input', { type: 'checkbox', id: `${prefix}-hidden`, name: 'hidden', checked: !!g.hidden }) : null;
  const node = [
    field('Title', title, 'Up to 100 characters.'),
    field('Authors', authors, 'Who wrote it (optional).'),
    field('Description', description, 'How to play, in plain text (up to 4000 characters).'),
    h('fieldset', null, h('legend', null, 'Inputs the game uses'), boxes.map((b) => b.node)),
    hidden ? h('div', { class: 'choice field' }, hidden, h('label', { for: hidden.id }, 'Hidden: only you see it in the arcade')) : null,
  ];
  return {
    node,
    // {values} or {error, input}
    read() {
      title.removeAttribute('aria-invalid');
      const t = title.value.trim();
      if (!t) {
        title.setAttribute('aria-invalid', 'true');
        return { error: 'Give the game a title.', input: title };
      }
      const values = {
        title: t,
        authors: authors.value.trim(),
        description: description.value,
        inputs: boxes.filter((b) => b.box.checked).map((b) => b.k),
      };
      if (hidden) values.hidden = hidden.checked;
      return { values };
    },
  };
}

// The game file and the optional preview picture; checks kind and size.
function fileFields(prefix, { required }) {
  const file = h('input', { type: 'file', id: `${prefix}-file`, name: 'file', accept: '.py,.zip,text/x-python,application/zip', required });
  const picture = h('input', { type: 'file', id: `${prefix}-preview`, name: 'preview', accept: PREVIEW_TYPES });
  const node = [
    field('Game file (.py or .zip)', file, 'One Python file (up to 1 MiB), or a .zip with game.py and its folders: images, sounds (up to 16 MiB).'),
    field('Preview image (optional)', picture, 'PNG, JPEG, GIF or WebP, up to 2 MiB. Without one, a preview.png (or .jpg, .gif, .webp) in the .zip is taken.'),
  ];
  return {
    node,
    read() {
      file.removeAttribute('aria-invalid');
      picture.removeAttribute('aria-invalid');
      const f = file.files && file.files[0];
      const p = picture.files && picture.files[0];
      if (!f) {
        file.setAttribute('aria-invalid', 'true');
        return { error: 'Choose the game file (.py or .zip).', input: file };
      }
      if (!/\.(py|zip)$/i.test(f.name)) {
        file.setAttribute('aria-invalid', 'true');
        return { error: 'The game file must be a .py file or a .zip bundle.', input: file };
      }
      const bundle = /\.zip$/i.test(f.name);
      const limit = bundle ? MAX_BUNDLE_BYTES : MAX_CODE_BYTES;
      if (f.size > limit) {
        file.setAttribute('aria-invalid', 'true');
        return { error: `Too large: the game file is ${overSize(f.size, limit)}. Make it smaller (the limit is ${fmtBytes(limit).replace('.0 ', ' ')} for ${bundle ? 'a .zip' : 'a .py file'}).`, input: file };
      }
      if (p && p.size > MAX_PREVIEW_BYTES) {
        picture.setAttribute('aria-invalid', 'true');
        return { error: `Too large: the preview image is ${overSize(p.size, MAX_PREVIEW_BYTES)}. Make it smaller (the limit is 2 MiB).`, input: picture };
      }
      return { file: f, preview: p || null };
    },
    reset() { file.value = ''; picture.value = ''; },
  };
}

// The server's words; a 413 (its message names the limit) starts as the
// client's own size check does.
function uploadMessage(ex) {
  if (ex.status === 413 && !/^too large/i.test(ex.message)) {
    return `Too large: ${ex.message.charAt(0).toLowerCase()}${ex.message.slice(1)}`;
  }
  return ex.message;
}

export async function create(ctx) {
  ctx.title = 'Upload a game';
  const err = errorBox();
  const meta = metadataFields('new');
  const files = fileFields('new', { required: true });
  const submit = h('button', { type: 'submit', class: 'btn' }, 'Upload game');
  const form = h('form', { novalidate: true, class: 'arcade-upload' }, err, meta.node, files.node, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const m = meta.read();
    if (m.error) { err.textContent = m.error; m.input.focus(); return; }
    const f = files.read();
    if (f.error) { err.textContent = f.error; f.input.focus(); return; }
    await busy(submit, async () => {
      try {
        const body = new FormData();
        body.append('title', m.values.title);
        body.append('authors', m.values.authors);
        body.append('description', m.values.description);
        for (const k of m.values.inputs) body.append('inputs', k);
        body.append('file', f.file, f.file.name);
        if (f.preview) body.append('preview', f.preview, f.preview.name);
        const g = await api.post('/api/arcade/games', body);
        toast(`${g.title} uploaded.`);
        ctx.navigate(`/arcade/${encodeURIComponent(g.id)}`);
      } catch (ex) {
        err.textContent = uploadMessage(ex);
      }
    });
  });
  return h('section', { class: 'narrow-wide' },
    h('h1', null, 'Upload a game'),
    h('p', { class: 'muted' }, 'A game is a Python program written for ', h('code', null, 'smartphone_connector'),
      ' (the Game Runner library). It runs on our server in a sandbox; players see its playground here.'),
    h('div', { class: 'card' }, form));
}

// ---- one game ----

function descriptionNode(text) {
  const t = String(text || '').trim();
  if (!t) return h('p', { class: 'empty' }, 'No description.');
  // Plain text: paragraphs at blank lines, line breaks kept (CSS pre-line).
  return h('div', { class: 'arcade-description' }, t.split(/\n\s*\n/).map((p) => h('p', null, p)));
}

function versionsList(g) {
  const list = [...(g.versions || [])].sort((a, b) => b.version - a.version);
  if (!list.length) return h('p', { class: 'empty' }, 'No versions.');
  return h('ul', { class: 'plain arcade-versions' }, list.map((v) => h('li', { class: 'item-line' },
    h('span', null, h('span', { class: 'title' }, `Version ${v.version}`),
      v.version === g.version ? h('span', { class: 'chip chip-ok' }, 'current') : null),
    h('span', { class: 'muted small' }, `${v.kind === 'bundle' ? 'bundle (.zip)' : 'one file (.py)'} · ${fmtBytes(v.size)} · ${fmtDate(v.created_at)}`))));
}

// The owner's "new version" form (a new file, a new preview, or both: the
// server keeps every version and the plays). onDone(game) gets the game as
// the server has it now.
export function newVersionForm(prefix, g, onDone) {
  const verr = errorBox();
  const files = fileFields(prefix, { required: true });
  const vbtn = h('button', { type: 'submit', class: 'btn' }, 'Upload new version');
  const upload = h('form', { novalidate: true, class: 'arcade-new-version' }, verr, files.node, vbtn);
  upload.addEventListener('submit', async (e) => {
    e.preventDefault();
    verr.textContent = '';
    const f = files.read();
    if (f.error) { verr.textContent = f.error; f.input.focus(); return; }
    await busy(vbtn, async () => {
      try {
        const body = new FormData();
        body.append('file', f.file, f.file.name);
        if (f.preview) body.append('preview', f.preview, f.preview.name);
        await api.post(`${gameUrl(g.id)}/versions`, body);
        const fresh = await api.get(gameUrl(g.id));
        files.reset();
        toast(`Version ${fresh.version} uploaded.`);
        announce(`Version ${fresh.version} uploaded.`);
        onDone(fresh);
      } catch (ex) { verr.textContent = uploadMessage(ex); }
    });
  });
  return upload;
}

// Deletes game g after a confirmation that says what goes with it; true
// when it is gone.
export async function deleteGame(g) {
  const plays = Number(g.plays) || 0;
  const ratings = Number(g.rating && g.rating.count) || 0;
  const ok = await confirmDialog({
    title: `Delete “${g.title}”?`,
    message: [
      `Its versions, ${plays === 1 ? '1 play with its score' : `${plays} plays with their scores`} and ${ratings} ${ratings === 1 ? 'rating' : 'ratings'} go with it.`,
      'This cannot be undone.',
    ],
    confirm: 'Delete game',
  });
  if (!ok) return false;
  await api.del(gameUrl(g.id));
  toast(`${g.title} deleted.`);
  return true;
}

// The rating card: the average and count, then the player's stars (or why not).
function ratingCard(g, onSaved) {
  const id = uid('rating');
  const avg = h('div', { class: 'rating-average' });
  const paintAverage = (rating) => replace(avg, starsView(rating, { count: false }), ' ',
    h('span', { class: 'muted small' }, rating && rating.count ? `${Number(rating.average).toFixed(1)} of 5, ${rating.count} ${rating.count === 1 ? 'rating' : 'ratings'}` : 'Not rated yet.'));
  paintAverage(g.rating);
  const widget = session.user
    ? ratingWidget(g.id, g.rating, { onSaved: (r) => { paintAverage(r); if (onSaved) onSaved(r); } })
    : h('p', { class: 'rating-why-not muted' }, link(`/login?next=${encodeURIComponent(`/arcade/${g.id}`)}`, 'Log in'), ' to rate games.');
  return h('section', { class: 'card arcade-rating', 'aria-labelledby': id },
    h('h2', { id }, 'Rating'), avg, widget);
}

export async function detail(ctx) {
  const id = ctx.params.id;
  let g = await api.get(gameUrl(id));
  ctx.title = g.title;
  const board = await api.get(`${gameUrl(id)}/scoreboard`).catch(() => null);

  const heading = h('h1', null, g.title);
  const about = h('div');
  const versionsBox = h('div');

  function renderAbout() {
    heading.textContent = g.title;
    document.title = `${g.title} · Codefights`;
    replace(about,
      g.authors ? h('p', { class: 'lead arcade-authors' }, `by ${g.authors}`) : null,
      g.hidden ? h('p', null, h('span', { class: 'chip chip-wait' }, 'Hidden'), h('span', { class: 'muted small' }, ' Only you see it in the arcade.')) : null,
      gameBadges(g),
      descriptionNode(g.description),
      h('dl', { class: 'facts' },
        h('dt', null, 'Plays'), h('dd', null, String(Number(g.plays) || 0)),
        h('dt', null, 'Time played'), h('dd', null, (g.plays ? fmtDuration(g.total_ms) : '') || '—'),
        h('dt', null, 'Longest play'), h('dd', null, (g.plays ? fmtDuration(g.longest_ms) : '') || '—'),
        h('dt', null, 'Best score'), h('dd', null, fmtScore(g.best_score)),
        h('dt', null, 'Uploaded by'), h('dd', null, g.owner || 'a former member'),
        h('dt', null, 'Version'), h('dd', null, `${g.version} · ${g.kind === 'bundle' ? 'bundle' : 'one file'}, ${fmtBytes(g.size)}`),
        h('dt', null, 'Updated'), h('dd', null, fmtDate(g.updated_at || g.created_at))));
    replace(versionsBox, versionsList(g));
  }
  renderAbout();

  const picture = h('div', { class: 'card game-card' }, preview(g));
  const owner = g.mine ? ownerTools() : null;

  function ownerTools() {
    // Edit the metadata
    const eerr = errorBox();
    const eok = okBox();
    const meta = metadataFields('edit', g, { withHidden: true });
    const ebtn = h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Save changes');
    const edit = h('form', { novalidate: true }, eerr, eok, meta.node, ebtn);
    edit.addEventListener('submit', async (e) => {
      e.preventDefault();
      eerr.textContent = ''; eok.textContent = '';
      const m = meta.read();
      if (m.error) { eerr.textContent = m.error; m.input.focus(); return; }
      await busy(ebtn, async () => {
        try {
          const updated = await api.patch(gameUrl(g.id), m.values);
          g = { ...g, ...updated, versions: g.versions, mine: true };
          renderAbout();
          eok.textContent = 'Saved.';
        } catch (ex) { eerr.textContent = ex.message; }
      });
    });

    // A new version
    const upload = newVersionForm('ver', g, (fresh) => {
      g = fresh;
      renderAbout();
      replace(picture, preview(g)); // API answers are never cached: a new picture shows
    });

    // Delete, after a confirmation
    const derr = errorBox();
    const dbtn = h('button', { type: 'button', class: 'btn btn-danger' }, 'Delete game');
    dbtn.addEventListener('click', () => busy(dbtn, async () => {
      derr.textContent = '';
      try {
        if (await deleteGame(g)) ctx.navigate('/arcade/mine');
      } catch (ex) { derr.textContent = ex.message; }
    }));

    return [
      h('div', { class: 'card' }, h('h2', null, 'Edit'), edit),
      h('div', { class: 'card' }, h('h2', null, 'Upload a new version'),
        h('p', { class: 'muted small' }, 'Plays from now on use the new version; the old ones stay listed.'), upload),
      h('div', { class: 'card' }, h('h2', null, 'Delete'),
        h('p', { class: 'muted small' }, 'Removes the game, its versions, its plays and its ratings.'), derr, dbtn),
    ];
  }

  const scoresId = uid('scores');
  const mineId = uid('myplays');
  const myPlays = board && Array.isArray(board.my_plays) ? h('section', { class: 'card arcade-my-plays', 'aria-labelledby': mineId },
    h('h2', { id: mineId }, 'My plays'), renderMyPlays(board.my_plays, { fmtWhen: fmtShort })) : null;
  return h('section', { class: 'arcade-game', dataset: { game: String(g.id) } },
    h('div', { class: 'page-head' }, heading, playButton(ctx, g)),
    h('div', { class: 'grid grid-2' },
      h('div', null,
        picture,
        ratingCard(g, (r) => { g = { ...g, rating: { ...g.rating, ...r } }; }),
        h('div', { class: 'card' }, h('h2', null, 'About'), about)),
      h('div', null,
        h('section', { class: 'card arcade-scoreboard', 'aria-labelledby': scoresId },
          h('div', { class: 'page-head card-head' }, h('h2', { id: scoresId }, 'Scoreboard'),
            link(`/arcade/${encodeURIComponent(g.id)}/board`, 'Compact board', { class: 'small' })),
          board === null ? h('p', { class: 'form-error' }, 'The scoreboard could not be loaded.')
            : renderScoreboard(board, { title: false })),
        myPlays,
        h('div', { class: 'card' }, h('h2', null, 'Versions'), versionsBox),
        owner)),
    h('p', null, link('/arcade', '← All games')));
}
