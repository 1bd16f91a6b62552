// live.js — Server-Sent Events from cf-web: the fight page follows one fight
// (/api/fights/{id}/events), the play page follows one arcade play
// (/api/plays/{id}/events), every logged-in page follows the user's fights
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

export const PLAY_FINAL = new Set(['finished', 'stopped', 'failed']);

// Follows one arcade play. on: {state({status, position}), screen({messages}),
// msg(message), end(end), connection('open'|'reconnecting'|'closed')}.
// `screen` comes once each time the stream (re)connects: the screen so far.
// The server closes the stream after `end`; we stop reconnecting then.
// While the stream is open the play counts as watched (kept alive).
// Returns a stop function.
export function followPlay(id, on) {
  if (typeof EventSource === 'undefined') {
    if (on.connection) on.connection('closed');
    return () => {};
  }
  const es = new EventSource(`/api/plays/${encodeURIComponent(id)}/events`);
  let over = false;
  const listen = (type, fn) => es.addEventListener(type, (ev) => {
    if (over) return;
    let data;
    try { data = JSON.parse(ev.data); } catch { return; }
    if (fn) fn(data);
  });
  listen('state', on.state);
  listen('screen', on.screen);
  listen('msg', on.msg);
  listen('end', (data) => {
    over = true;
    es.close();
    if (on.end) on.end(data);
  });
  es.addEventListener('open', () => { if (!over && on.connection) on.connection('open'); });
  es.addEventListener('error', () => {
    if (over || !on.connection) return;
    // CLOSED: refused for good (not found, not a stream); else it retries.
    on.connection(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  });
  return () => { over = true; es.close(); };
}
