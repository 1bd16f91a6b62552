// fixture.js — mounts the arcade display for run.mjs and counts what it
// holds: timers, animation frames, window/document listeners, resize
// observers, object URLs and playing sounds, so the test can check that
// destroy() gives everything back.
import { mountPlayground } from '/js/arcade/playground.js';

document.getElementById('spacer').style.height = '3000px';

const live = {
  intervals: new Set(), timeouts: new Set(), frames: new Set(),
  listeners: new Set(), observers: new Set(), urls: new Set(),
};

const realSetInterval = window.setInterval.bind(window);
const realClearInterval = window.clearInterval.bind(window);
window.setInterval = (fn, ms, ...args) => {
  const id = realSetInterval(fn, ms, ...args);
  live.intervals.add(id);
  return id;
};
window.clearInterval = (id) => {
  live.intervals.delete(id);
  realClearInterval(id);
};

const realSetTimeout = window.setTimeout.bind(window);
const realClearTimeout = window.clearTimeout.bind(window);
window.setTimeout = (fn, ms, ...args) => {
  const id = realSetTimeout(() => {
    live.timeouts.delete(id);
    if (typeof fn === 'function') fn(...args);
  }, ms);
  live.timeouts.add(id);
  return id;
};
window.clearTimeout = (id) => {
  live.timeouts.delete(id);
  realClearTimeout(id);
};

const realRaf = window.requestAnimationFrame.bind(window);
const realCancelRaf = window.cancelAnimationFrame.bind(window);
window.requestAnimationFrame = (fn) => {
  const id = realRaf((t) => {
    live.frames.delete(id);
    fn(t);
  });
  live.frames.add(id);
  return id;
};
window.cancelAnimationFrame = (id) => {
  live.frames.delete(id);
  realCancelRaf(id);
};

// Listeners on window and document only (elements go with the DOM).
const realAdd = EventTarget.prototype.addEventListener;
const realRemove = EventTarget.prototype.removeEventListener;
const listenerKey = (target, type, fn, opts) => {
  const capture = typeof opts === 'boolean' ? opts : !!(opts && opts.capture);
  return { target, type, fn, capture };
};
const sameListener = (a, b) => a.target === b.target && a.type === b.type && a.fn === b.fn && a.capture === b.capture;
EventTarget.prototype.addEventListener = function add(type, fn, opts) {
  if ((this === window || this === document) && fn) {
    const key = listenerKey(this, type, fn, opts);
    if (![...live.listeners].some((k) => sameListener(k, key))) live.listeners.add(key);
  }
  return realAdd.call(this, type, fn, opts);
};
EventTarget.prototype.removeEventListener = function remove(type, fn, opts) {
  if (this === window || this === document) {
    const key = listenerKey(this, type, fn, opts);
    for (const k of live.listeners) if (sameListener(k, key)) live.listeners.delete(k);
  }
  return realRemove.call(this, type, fn, opts);
};

const RealResizeObserver = window.ResizeObserver;
window.ResizeObserver = class CountedResizeObserver extends RealResizeObserver {
  observe(...args) {
    live.observers.add(this);
    return super.observe(...args);
  }
  disconnect() {
    live.observers.delete(this);
    return super.disconnect();
  }
};

const realCreateUrl = URL.createObjectURL.bind(URL);
const realRevokeUrl = URL.revokeObjectURL.bind(URL);
URL.createObjectURL = (obj) => {
  const url = realCreateUrl(obj);
  live.urls.add(url);
  return url;
};
URL.revokeObjectURL = (url) => {
  live.urls.delete(url);
  realRevokeUrl(url);
};

// Sounds: what was started, and which elements are still playing.
window.audioLog = [];
const sounding = new Set();
const realPlay = HTMLMediaElement.prototype.play;
const realPause = HTMLMediaElement.prototype.pause;
HTMLMediaElement.prototype.play = function play() {
  window.audioLog.push({ op: 'play', src: this.src, loop: this.loop, volume: this.volume });
  sounding.add(this);
  return realPlay.call(this);
};
HTMLMediaElement.prototype.pause = function pause() {
  window.audioLog.push({ op: 'pause', src: this.src });
  sounding.delete(this);
  return realPause.call(this);
};
window.soundsPlaying = () => [...sounding].filter((el) => !el.paused && el.src).length;

window.live = () => ({
  intervals: live.intervals.size, timeouts: live.timeouts.size, frames: live.frames.size,
  listeners: live.listeners.size, observers: live.observers.size, urls: live.urls.size,
});

// --- the display under test ---------------------------------------------------

const host = document.getElementById('host');
let display = null;
window.events = [];
window.eventTimes = [];
window.scores = [];

window.mountPg = (opts = {}) => {
  if (display) display.destroy();
  window.events = [];
  window.eventTimes = [];
  window.scores = [];
  display = mountPlayground(host, {
    interactive: opts.interactive !== false,
    // A copy through JSON, as a real sender would serialise it.
    onEvent: (e) => {
      window.events.push(JSON.parse(JSON.stringify(e)));
      window.eventTimes.push(performance.now());
    },
    onScore: (score) => window.scores.push(score),
  });
};
window.feed = (msg) => display.apply(msg);
window.feedAll = (msgs) => display.applyAll(msgs);
window.resetPg = () => display.reset();
window.destroyPg = () => {
  display.destroy();
  display = null;
};
window.nextFrames = () => new Promise((resolve) => realRaf(() => realRaf(resolve)));
window.fixtureReady = true;
