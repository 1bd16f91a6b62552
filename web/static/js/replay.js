// replay.js — embeds a game's replay viewer (games/<name>/web/, served by
// cf-web at /games/<name>/web/...) on the fight page. The viewer module is
// loaded with a dynamic import from our own origin; it draws on a canvas and
// owns its controls (play/pause/step/scrub/speed).
import { h } from './dom.js';
import { api } from './api.js';

export async function mountReplay(box, g, fightId) {
  const replay = await api.get(`/api/fights/${encodeURIComponent(fightId)}/replay`);
  const host = h('div', { class: 'viewer', role: 'region', 'aria-label': 'Replay viewer' });
  const heading = h('h2', null, 'Replay');
  if (!g.viewer) {
    box.replaceChildren(heading, h('p', { class: 'muted' }, `This game has no replay viewer; the fight lasted ${replay.ticks ?? '?'} ticks.`));
    return () => {};
  }
  const mod = await import(g.viewer);
  box.replaceChildren(heading, host);
  const cleanup = await startViewer(mod, host, replay);
  return typeof cleanup === 'function' ? cleanup : () => {};
}

// Viewer modules export mount(container, replay, options) returning a handle
// with destroy(), or a default/createViewer function of the same shape.
async function startViewer(mod, host, replay) {
  const fn = mod.mount || mod.createViewer || mod.default;
  if (typeof fn !== 'function') throw new Error('the viewer module has no mount function');
  const handle = await fn(host, replay, { autoplay: true });
  if (!handle) return null;
  if (typeof handle === 'function') return handle;
  if (typeof handle.destroy === 'function') return () => handle.destroy();
  return null;
}
