// live.js — Server-Sent Events from cf-web: the fight page follows one fight
// (/api/fights/{id}/events), every logged-in page follows the user's fights
// and invitations (/api/events). EventSource reconnects by itself.

const handlers = { status: new Set(), invitation: new Set() };
let source = null;

export function onLive(type, fn) {
  handlers[type].add(fn);
  return () => handlers[type].delete(fn);
}

function dispatch(type, ev) {
  let data;
  try { data = JSON.parse(ev.data); } catch { return; }
  for (const fn of handlers[type]) fn(data);
}

export function startLive() {
  stopLive();
  if (typeof EventSource === 'undefined') return;
  source = new EventSource('/api/events');
  source.addEventListener('status', (ev) => dispatch('status', ev));
  source.addEventListener('invitation', (ev) => dispatch('invitation', ev));
}

export function stopLive() {
  if (source) source.close();
  source = null;
}

// Follows one fight; calls fn({id, state, tick}). Returns a stop function.
// The server closes the stream after a final state; we stop reconnecting then.
export function followFight(id, fn) {
  if (typeof EventSource === 'undefined') return () => {};
  const es = new EventSource(`/api/fights/${encodeURIComponent(id)}/events`);
  es.addEventListener('status', (ev) => {
    let data;
    try { data = JSON.parse(ev.data); } catch { return; }
    fn(data);
    if (FINAL.has(data.state)) es.close();
  });
  return () => es.close();
}

export const FINAL = new Set(['finished', 'failed', 'cancelled']);
