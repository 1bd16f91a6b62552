// controls.js — the player's input: keyboard, the on-screen pad, and the
// phone's motion sensors. Each sends `key`, `acceleration` or `gyro` events
// shaped as the original display sent them.
import { h } from '../dom.js';

// keyup → key names, as the original: arrows and Space get the names the
// Python library knows (up/down/left/right/home); 1–4 and F1–F4 also send
// F1–F4; every other key is sent as KeyboardEvent.key.
const NAMED_CODES = { Space: 'home', ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };
const FUNCTION_CODES = { F1: 'F1', Digit1: 'F1', F2: 'F2', Digit2: 'F2', F3: 'F3', Digit3: 'F3', F4: 'F4', Digit4: 'F4' };
// Keys whose browser default (scrolling, help…) is stopped while playing.
const NO_DEFAULT = new Set(['Space', 'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'F1', 'F2', 'F3', 'F4']);

export function keyNames(event) {
  if (NAMED_CODES[event.code]) return [NAMED_CODES[event.code]];
  const fn = FUNCTION_CODES[event.code];
  // The original sent e.key and then F1; for the F1 key itself that was the
  // same event twice, which is sent once here.
  if (fn) return event.key === fn ? [fn] : [event.key, fn];
  return event.key ? [event.key] : [];
}

function isEditable(target) {
  if (!(target instanceof Element)) return false;
  return !!target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
}

// Enter and Space on a focused button activate that button.
function activatesTarget(event) {
  if (event.key !== 'Enter' && event.code !== 'Space') return false;
  return event.target instanceof Element && !!event.target.closest('button, a[href], [role="button"], summary');
}

function hostModalOpen() {
  try {
    return !!document.querySelector('dialog:modal');
  } catch {
    return false;
  }
}

// isActive(): the display may take keys now (mounted, visible, no dialog of
// ours open). Listens on the document so no focus click is needed, as in
// the original, but only while the playground is on screen.
export function createKeyboard({ emit, isActive }) {
  // Keys whose key-down the game got. A key-up counts only after its
  // key-down: Enter pressed in a prompt closes the prompt on key-down, and its
  // key-up must not then reach the game.
  const down = new Set();
  function wanted(event) {
    if (event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return false;
    if (isEditable(event.target) || activatesTarget(event) || hostModalOpen()) return false;
    return isActive();
  }
  function onKeyDown(event) {
    const id = event.code || event.key;
    if (!wanted(event)) {
      down.delete(id);
      return;
    }
    down.add(id);
    if (NO_DEFAULT.has(event.code)) event.preventDefault();
  }
  function onKeyUp(event) {
    const id = event.code || event.key;
    if (!down.delete(id) || !wanted(event)) return;
    for (const key of keyNames(event)) emit({ type: 'key', key });
  }
  document.addEventListener('keydown', onKeyDown);
  document.addEventListener('keyup', onKeyUp);
  return {
    destroy() {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('keyup', onKeyUp);
    },
  };
}

const PAD_KEYS = [
  { key: 'up', label: 'Up', glyph: '▲' },
  { key: 'left', label: 'Left', glyph: '◀' },
  { key: 'home', label: 'Home', glyph: '●' },
  { key: 'right', label: 'Right', glyph: '▶' },
  { key: 'down', label: 'Down', glyph: '▼' },
];
const FUNCTION_KEYS = ['F1', 'F2', 'F3', 'F4'];

// The on-screen pad: the same `key` events as the keyboard. One delegated
// listener; removed with the element.
export function createPad({ emit }) {
  const button = (key, label, glyph, extra) => h('button', {
    type: 'button', class: `cf-pad-btn ${extra}`, 'aria-label': label, dataset: { key },
  }, h('span', { 'aria-hidden': 'true' }, glyph));
  const el = h('div', { class: 'cf-pad', role: 'group', 'aria-label': 'Game controls' },
    h('div', { class: 'cf-pad-arrows' }, PAD_KEYS.map((k) => button(k.key, k.label, k.glyph, `cf-pad-${k.key}`))),
    h('div', { class: 'cf-pad-fkeys' }, FUNCTION_KEYS.map((k) => button(k, k, k, 'cf-pad-fn'))));
  function onClick(event) {
    const btn = event.target instanceof Element ? event.target.closest('button[data-key]') : null;
    if (!btn || !el.contains(btn)) return;
    emit({ type: 'key', key: btn.dataset.key });
    if (typeof btn.animate === 'function') btn.animate([{ filter: 'brightness(0.8)' }, { filter: 'none' }], { duration: 200 });
  }
  el.addEventListener('click', onClick);
  return {
    el,
    destroy() {
      el.removeEventListener('click', onClick);
      el.remove();
    },
  };
}

export function motionSupported() {
  const api = typeof DeviceMotionEvent !== 'undefined' || typeof DeviceOrientationEvent !== 'undefined';
  // Desktops have the API but no sensor: offer the switch on touch devices.
  const touch = typeof matchMedia === 'function' && matchMedia('(any-pointer: coarse)').matches;
  return api && touch;
}

// iOS and iPadOS (which says "Macintosh" but has a touch screen).
function isIos() {
  const ua = navigator.userAgent || '';
  return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

// iOS asks for permission, and only from a user gesture: the switch's click.
// (Recent Chromium has requestPermission too, and grants it.)
async function requestPermissions() {
  const asks = [typeof DeviceMotionEvent !== 'undefined' && DeviceMotionEvent,
    typeof DeviceOrientationEvent !== 'undefined' && DeviceOrientationEvent]
    .filter((api) => api && typeof api.requestPermission === 'function')
    .map((api) => api.requestPermission());
  const answers = await Promise.all(asks.map((p) => p.catch(() => 'denied')));
  return answers.every((a) => a === 'granted');
}

// The "Motion" switch: streams `acceleration` and `gyro` while on, at most
// one of each per minIntervalMs.
export function createMotion({ emit, warn, minIntervalMs = 40 }) {
  let on = false;
  const ios = isIos();
  let generation = 0;
  const last = { acceleration: 0, gyro: 0 };
  const el = h('button', { type: 'button', class: 'cf-tool', 'aria-pressed': 'false' }, 'Motion: off');

  function due(kind) {
    const now = performance.now();
    if (now - last[kind] < minIntervalMs) return false;
    last[kind] = now;
    return true;
  }
  // A reading without values means "no sensor" (Chromium sends one when a
  // listener is added); the original passed it on as zeros.
  const noData = (...values) => values.every((v) => v === null || v === undefined);
  function onMotion(e) {
    const a = e.accelerationIncludingGravity;
    if (!a || noData(a.x, a.y, a.z) || !due('acceleration')) return;
    // iOS reports the opposite signs; the original flipped them there (it
    // took "has requestPermission" for iOS, which Chromium now has too).
    const sign = ios ? -1 : 1;
    emit({ type: 'acceleration', x: sign * (a.x ?? 0), y: sign * (a.y ?? 0), z: sign * (a.z ?? 0), interval: e.interval });
  }
  function onOrientation(e) {
    if (noData(e.alpha, e.beta, e.gamma) || !due('gyro')) return;
    emit({ type: 'gyro', alpha: e.alpha ?? 0, beta: e.beta ?? 0, gamma: e.gamma ?? 0, absolute: !!e.absolute });
  }
  function setOn(value) {
    on = value;
    el.setAttribute('aria-pressed', String(on));
    el.textContent = on ? 'Motion: on' : 'Motion: off';
    const method = on ? 'addEventListener' : 'removeEventListener';
    window[method]('devicemotion', onMotion);
    window[method]('deviceorientation', onOrientation);
  }
  async function onClick() {
    if (on) {
      setOn(false);
      return;
    }
    const mine = (generation += 1);
    const granted = await requestPermissions();
    if (mine !== generation) return; // destroyed or toggled meanwhile
    if (!granted) {
      warn('motion sensors: permission denied');
      return;
    }
    setOn(true);
  }
  el.addEventListener('click', onClick);
  return {
    el,
    destroy() {
      generation += 1;
      if (on) setOn(false);
      el.removeEventListener('click', onClick);
      el.remove();
    },
  };
}
