// /replay — a replay file from this computer in the game's viewer: what
// `cf-fight --replay FILE` writes (the report's data alone), the report of
// `cf-fight --json`, or a fight page's "Download JSON". The File API reads
// it in the browser: nothing is uploaded.
import { h, field, errorBox, replace } from '../dom.js';
import { games, game } from '../api.js';
import { rememberGames } from '../views.js';
import { mountViewer, viewerName } from '../replay.js';

const MAX_BYTES = 64 * 1024 * 1024;

// The game a bare replay's shape says (docs/games.md): Tanks' data is the
// list of frames, light cycles' an object {size, frames}.
function guessGame(data) {
  if (Array.isArray(data)) return 'tanks';
  if (data && typeof data === 'object' && Array.isArray(data.frames)) return 'light_cycles';
  return '';
}

// What the file holds, as {game, report, kind}; or {error}.
export function readReplay(value, chosenGame) {
  if (value && typeof value === 'object' && !Array.isArray(value) && value.fight && typeof value.fight === 'object' && 'replay' in value) {
    // A fight page's download: the API's Fight and its replay.
    const f = value.fight;
    const r = value.replay;
    if (!r || r.data === undefined || r.data === null) return { error: 'This fight has no replay in the file (it did not finish).' };
    const system = f.host === null || f.host === undefined;
    const names = Array.isArray(r.players) ? r.players : [];
    return {
      kind: 'a fight downloaded from this site',
      game: chosenGame || f.game || r.game,
      report: {
        fight_id: f.id, game: f.game, data: r.data, result: r.result ?? f.result, ticks: r.ticks ?? f.ticks,
        explanation: f.explanation ?? '', settings: r.settings ?? f.settings,
        players: names.map((n, i) => ({ name: viewerName((f.players || [])[i], system) || (typeof n === 'string' ? n : '') || `Player ${i + 1}` })),
      },
    };
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && 'data' in value && typeof value.game === 'string') {
    // cf-fight --json: the report itself.
    if (value.data === null || (Array.isArray(value.data) && value.data.length === 0 && value.status === 'failed')) {
      return { error: `This report has no replay (the fight ${value.status || 'did not finish'}).` };
    }
    return { kind: 'a cf-fight report (--json)', game: chosenGame || value.game, report: value };
  }
  // cf-fight --replay FILE: the report's data alone; the game from its shape
  // unless chosen, the players by their number.
  const game = chosenGame || guessGame(value);
  if (!game) return { error: 'The file does not say which game it is: choose the game above.' };
  return { kind: 'a cf-fight replay (--replay)', game, report: { game, data: value, players: [] } };
}

export async function page(ctx) {
  ctx.title = 'Open a replay file';
  const all = await games();
  rememberGames(all);
  const err = errorBox();
  const fileInput = h('input', { type: 'file', id: 'replay-file', name: 'file', accept: '.json,application/json' });
  const gameSel = h('select', { id: 'replay-game', name: 'game' },
    h('option', { value: '' }, 'From the file'),
    all.map((g) => h('option', { value: g.name }, g.title || g.name)));
  const status = h('p', { class: 'muted small', role: 'status' });
  const host = h('div', { class: 'viewer', role: 'region', 'aria-label': 'Replay viewer' });
  const card = h('div', { class: 'card replay-card', hidden: true }, h('h2', null, 'Replay'), host);
  let handle = null;
  let seq = 0;
  const drop = () => { if (handle && typeof handle.destroy === 'function') handle.destroy(); handle = null; };
  ctx.onLeave(drop);

  async function show() {
    const mySeq = ++seq;
    err.textContent = '';
    status.textContent = '';
    const file = fileInput.files && fileInput.files[0];
    if (!file) { drop(); card.hidden = true; return; }
    if (file.size > MAX_BYTES) { err.textContent = `This file is larger than ${MAX_BYTES / 1024 / 1024} MiB.`; return; }
    let value;
    try {
      value = JSON.parse(await file.text());
    } catch {
      if (mySeq === seq) err.textContent = 'This file is not JSON: choose the file cf-fight --replay wrote, a cf-fight --json report, or a downloaded fight.';
      return;
    }
    if (mySeq !== seq || !ctx.isCurrent()) return;
    const r = readReplay(value, gameSel.value);
    if (r.error) { err.textContent = r.error; drop(); card.hidden = true; return; }
    if (!all.some((x) => x.name === r.game)) { err.textContent = `Unknown game "${r.game}": choose the game above.`; return; }
    drop();
    card.hidden = false;
    try {
      const g = await game(r.game); // the list has no viewer: the game itself does
      if (mySeq !== seq || !ctx.isCurrent()) return;
      handle = await mountViewer(host, g, r.report, { autoplay: false });
      status.textContent = `${file.name}: ${r.kind}, ${g.title || g.name}.`;
    } catch (ex) {
      err.textContent = `The replay could not be shown: ${ex.message}`;
    }
  }
  fileInput.addEventListener('change', show);
  gameSel.addEventListener('change', () => { if (fileInput.files && fileInput.files[0]) show(); });

  return h('section', { class: 'replay-file-page' },
    h('h1', null, 'Open a replay file'),
    h('p', null, 'Watch a fight you ran on your own computer: choose the file ', h('code', null, 'cf-fight --replay FILE'),
      ' wrote, the report of ', h('code', null, 'cf-fight --json'), ', or a fight page\'s Download JSON. ',
      'Your browser reads the file; nothing is uploaded.'),
    h('div', { class: 'card' }, err,
      h('div', { class: 'grid grid-2' },
        field('Replay file (.json)', fileInput),
        field('Game', gameSel, 'cf-fight --replay writes the replay alone: the game is guessed from it unless you choose.')),
      status),
    card);
}
