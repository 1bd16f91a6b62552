// replay.js — embeds a game's replay viewer (games/<name>/web/viewer.js,
// served by cf-web at /games/<name>/web/...) on the fight page and on the
// local replay page (/replay).
//
// Viewer contract (games/tanks/web/viewer.js): mount(container, report,
// options) draws report.data on a canvas with its own play/pause/step/scrub/
// speed controls and keys and returns {play, pause, seek, setSpeed, step, destroy}.
// `report` has the fields of the fight report (docs/cf-fight.md) that a viewer
// reads: data, result, ticks, explanation, players [{name}]; options.aside
// is an element it shows beside its board, under its legend. The viewer's
// element gets a "cf-frame" event on each frame ({frame, frames, tick}):
// mountViewer passes the tick on (onTick), and on a fight the reader plays
// in, mountReplay shows beside the board (the aside) what the reader's bots
// printed at that tick (output.js).
import { h, replace } from './dom.js';
import { api } from './api.js';
import { outputPanel, readerPlays } from './output.js';

// The name a viewer's legend shows for a player of the API's Fight:
// "alice · Pasted tank", "House bot · random_move.py", a system fight's
// entry name.
export function viewerName(p, system) {
  if (!p) return '';
  if (system) return p.bot || '';
  const who = p.house || p.username === 'house' ? 'House bot' : p.username;
  return [who, p.bot].filter(Boolean).join(' · ');
}

// The tick a "cf-frame" event names: its own, else the frame's (frame i
// follows tick i - 1) for a viewer that does not say.
function frameTick(detail) {
  if (!detail) return null;
  if (detail.tick === null || Number.isInteger(detail.tick)) return detail.tick;
  return Number.isInteger(detail.frame) && detail.frame > 0 ? detail.frame - 1 : null;
}

// Mounts g's viewer on host for report; returns the viewer's handle, or
// null when the game has none (host then says so). onTick(tick) is called
// with the shown frame's tick (null: the set-up) at once and on every
// change.
// aside: an element the viewer shows beside its board, under its legend
// (options.aside of the viewer contract); after the viewer when it does not.
export async function mountViewer(host, g, report, { autoplay = true, onTick = null, aside = null } = {}) {
  if (!g.viewer) {
    replace(host, h('p', { class: 'muted' }, `This game has no replay viewer; the fight lasted ${report.ticks ?? '?'} ticks.`), aside);
    return null;
  }
  const mod = await import(g.viewer);
  const mount = mod.mount || mod.default;
  if (typeof mount !== 'function') throw new Error('the viewer module has no mount function');
  if (onTick) host.addEventListener('cf-frame', (ev) => onTick(frameTick(ev.detail)));
  const handle = await mount(host, report, aside ? { aside } : {});
  if (aside && !aside.isConnected) host.after(aside);
  // Play at once unless the reader asked for less motion; the controls stay theirs.
  const still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  if (autoplay && handle && typeof handle.play === 'function' && !still) handle.play();
  return handle;
}

export async function mountReplay(box, g, fight) {
  const replay = await api.get(`/api/fights/${encodeURIComponent(fight.id)}/replay`);
  const heading = h('h2', null, 'Replay');
  const host = h('div', { class: 'viewer', role: 'region', 'aria-label': 'Replay viewer' });
  replace(box, heading, host);
  // What the reader's own bots printed, beside the board (theirs only).
  const output = readerPlays(fight) ? outputPanel(fight) : null;
  const system = fight.host === null || fight.host === undefined;
  const names = (replay.players || []).map((p) => (typeof p === 'string' ? p : p && p.name));
  const report = {
    fight_id: fight.id,
    game: fight.game,
    data: replay.data,
    result: replay.result ?? fight.result,
    ticks: replay.ticks ?? fight.ticks,
    explanation: replay.explanation ?? fight.explanation ?? '',
    settings: replay.settings ?? fight.settings,
    // The fight's players (in slot order) name the legend; the replay's own
    // names ("alice/bot") when the fight has none.
    players: names.map((n, i) => ({ name: viewerName((fight.players || [])[i], system) || n || `Player ${i + 1}` })),
  };
  const handle = await mountViewer(host, g, report, output ? { onTick: output.setTick, aside: output.node } : {});
  return () => { if (handle && typeof handle.destroy === 'function') handle.destroy(); };
}
