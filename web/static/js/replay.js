// replay.js — embeds a game's replay viewer (games/<name>/web/viewer.js,
// served by cf-web at /games/<name>/web/...) on the fight page.
//
// Viewer contract (games/tanks/web/viewer.js): mount(container, report,
// options) draws report.data on a canvas with its own play/pause/step/scrub/
// speed controls and returns {play, pause, seek, setSpeed, step, destroy}.
// `report` has the fields of the fight report (docs/cf-fight.md) that a viewer
// reads: data, result, ticks, explanation, players [{name}].
import { h, replace } from './dom.js';
import { api } from './api.js';

export async function mountReplay(box, g, fight) {
  const replay = await api.get(`/api/fights/${encodeURIComponent(fight.id)}/replay`);
  const heading = h('h2', null, 'Replay');
  if (!g.viewer) {
    replace(box, heading, h('p', { class: 'muted' }, `This game has no replay viewer; the fight lasted ${replay.ticks ?? '?'} ticks.`));
    return () => {};
  }
  const mod = await import(g.viewer);
  const mount = mod.mount || mod.default;
  if (typeof mount !== 'function') throw new Error('the viewer module has no mount function');
  const host = h('div', { class: 'viewer', role: 'region', 'aria-label': 'Replay viewer' });
  replace(box, heading, host);
  const report = {
    fight_id: fight.id,
    game: fight.game,
    data: replay.data,
    result: replay.result ?? fight.result,
    ticks: replay.ticks ?? fight.ticks,
    explanation: replay.explanation ?? fight.explanation ?? '',
    settings: replay.settings ?? fight.settings,
    players: (replay.players || []).map((p) => (typeof p === 'string' ? { name: p } : p)),
  };
  const handle = await mount(host, report, {});
  // Play at once unless the reader asked for less motion; the controls stay theirs.
  const still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  if (handle && typeof handle.play === 'function' && !still) handle.play();
  return () => { if (handle && typeof handle.destroy === 'function') handle.destroy(); };
}
