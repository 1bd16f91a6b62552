// util.js — small helpers shared by the arcade display modules: number and
// colour checks on untrusted message fields, the two clocks, and a console
// logger that reports each kind of problem once per mount.

// A finite number, or undefined: message fields come from user code and may
// be strings, NaN, null or missing.
export function num(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

// A pair [x, y] of finite numbers, or undefined.
export function pair(value) {
  if (!Array.isArray(value) || value.length < 2) return undefined;
  const x = num(value[0]);
  const y = num(value[1]);
  return x === undefined || y === undefined ? undefined : [x, y];
}

// Ids may arrive as numbers from Python; everything else is not an id.
export function idOf(value) {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The original display treated these words (and numbers) as "no colour".
const NO_COLOUR = new Set(['', 'invisible', 'unset', 'undefined', 'none']);

// A CSS colour for a sprite, line or background, or undefined for "none".
// Strings go to the CSSOM (element.style), which ignores anything that is not
// a colour, so no markup or url() can get through. RGB(A) lists are accepted
// too, for callers that pass Python tuples.
export function spriteColour(value) {
  if (typeof value === 'string') return NO_COLOUR.has(value.trim().toLowerCase()) ? undefined : value;
  if (Array.isArray(value) && (value.length === 3 || value.length === 4) && value.every((v) => num(v) !== undefined)) {
    return value.length === 3 ? `rgb(${value.join(',')})` : `rgba(${value.join(',')})`;
  }
  return undefined;
}

// Movement and the 2 s "out" timeout use a monotonic clock in seconds (the
// original used wall-clock seconds; a monotonic one does not jump when the
// system clock is set).
export function clock() {
  return performance.now() / 1000;
}

// Fields the Python side reads (displayed_at, collision time_stamp) are epoch
// seconds, as the original sent them.
export function epochSeconds() {
  return Date.now() / 1000;
}

// One warning per kind of problem and mount: a broken game loop may send the
// same bad message hundreds of times a second.
export function createLogger(prefix = 'arcade') {
  const seen = new Set();
  return function warnOnce(kind, detail) {
    if (seen.has(kind)) return;
    seen.add(kind);
    // eslint-disable-next-line no-console
    console.warn(`[${prefix}] ${kind}`, detail === undefined ? '' : detail);
  };
}
