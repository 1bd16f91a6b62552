// media.js — images and sound tracks from `playground_config`.
//
// The original received raw bytes over socket.io; through JSON they arrive
// as a data: URL, as plain base64 (the MIME type then comes from `type`, the
// name's extension or the first bytes), as raw SVG text (type "svg"), or as
// a list of byte values. Nothing else is accepted: no remote URL is ever
// loaded.
//
// Images become data:image/… URLs (the site's CSP allows `img-src data:`).
// Sounds become blob: object URLs played by <audio> elements that are never
// put in the page; they are revoked when replaced, on clear and on destroy.

const IMAGE_TYPES = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif',
  webp: 'image/webp', bmp: 'image/bmp', svg: 'image/svg+xml',
};
const AUDIO_TYPES = { mp3: 'audio/mpeg', mpeg: 'audio/mpeg', ogg: 'audio/ogg', wav: 'audio/wav', wave: 'audio/wav' };

// First characters of the base64 of common file signatures.
const IMAGE_SIGNATURES = [['/9j/', 'image/jpeg'], ['iVBORw0KGgo', 'image/png'], ['R0lGOD', 'image/gif'],
  ['UklGR', 'image/webp'], ['Qk', 'image/bmp'], ['PHN2Zy', 'image/svg+xml'], ['PD94bWwg', 'image/svg+xml']];
const AUDIO_SIGNATURES = [['SUQz', 'audio/mpeg'], ['//', 'audio/mpeg'], ['T2dnUw', 'audio/ogg'], ['UklGR', 'audio/wav']];

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
// A data: URL with a MIME type of the expected kind, base64 or percent-encoded.
const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+)((?:;[a-z0-9-]+=[^;,]*)*)(;base64)?,/i;

function extension(name) {
  const m = /\.([a-z0-9]+)$/i.exec(name || '');
  return m ? m[1].toLowerCase() : '';
}

function mimeFor(kind, entry, payload) {
  const table = kind === 'image' ? IMAGE_TYPES : AUDIO_TYPES;
  const type = typeof entry.type === 'string' ? entry.type.toLowerCase().replace(/^\./, '') : '';
  if (table[type]) return table[type];
  if (table[extension(entry.name)]) return table[extension(entry.name)];
  const signatures = kind === 'image' ? IMAGE_SIGNATURES : AUDIO_SIGNATURES;
  const hit = typeof payload === 'string' && signatures.find(([head]) => payload.startsWith(head));
  return hit ? hit[1] : undefined;
}

function bytesToBase64(bytes) {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

function byteList(value) {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (!value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return undefined;
  return Uint8Array.from(value);
}

// {ok: true, mime, base64?, text?} or {ok: false, reason}
function parsePayload(kind, entry, field) {
  const raw = entry[field];
  const bytes = byteList(raw);
  if (bytes) {
    const mime = mimeFor(kind, entry);
    return mime ? { ok: true, mime, base64: bytesToBase64(bytes) } : { ok: false, reason: 'unknown type' };
  }
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: `no ${field} data` };
  const value = raw.trim();
  if (value.startsWith('data:')) {
    const m = DATA_URL.exec(value);
    if (!m || !m[1].toLowerCase().startsWith(`${kind}/`)) return { ok: false, reason: `not a data:${kind}/ URL` };
    const body = value.slice(m[0].length);
    return m[3] ? { ok: true, mime: m[1].toLowerCase(), base64: body.replace(/\s+/g, '') } : { ok: true, mime: m[1].toLowerCase(), text: safeDecode(body) };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('//')) return { ok: false, reason: 'remote URLs are never loaded' };
  const looksSvg = mimeFor(kind, entry) === 'image/svg+xml' || /^<(\?xml|svg[\s>]|!doctype svg)/i.test(value);
  if (kind === 'image' && value.startsWith('<') && looksSvg) return { ok: true, mime: 'image/svg+xml', text: value };
  const base64 = value.replace(/\s+/g, '');
  if (!BASE64.test(base64)) return { ok: false, reason: 'not base64' };
  const mime = mimeFor(kind, entry, base64);
  return mime ? { ok: true, mime, base64 } : { ok: false, reason: 'unknown type' };
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

// A data:image/… URL for a config image entry {name, image, type}, or
// {error}.
export function imageUrl(entry) {
  const p = parsePayload('image', entry, 'image');
  if (!p.ok) return { error: p.reason };
  if (p.base64 !== undefined) return { url: `data:${p.mime};base64,${p.base64.replace(/-/g, '+').replace(/_/g, '/')}` };
  if (p.text === undefined) return { error: 'bad encoding' };
  return { url: `data:${p.mime};charset=utf-8,${encodeURIComponent(p.text)}` };
}

// A Blob for a config sound entry {name, audio, type}, or {error}.
export function audioBlob(entry) {
  const p = parsePayload('audio', entry, 'audio');
  if (!p.ok) return { error: p.reason };
  try {
    if (p.base64 !== undefined) {
      const binary = atob(p.base64.replace(/-/g, '+').replace(/_/g, '/'));
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
      return { blob: new Blob([bytes], { type: p.mime }) };
    }
    if (p.text !== undefined) return { blob: new Blob([p.text], { type: p.mime }) };
  } catch {
    // atob throws on broken base64
  }
  return { error: 'bad encoding' };
}

// At most this many sounds at once; the oldest one-shot sound makes room.
const MAX_PLAYING = 24;
const DEFAULT_VOLUME = 0.8;

function clampVolume(value) {
  const v = typeof value === 'number' && Number.isFinite(value) ? value : DEFAULT_VOLUME;
  return Math.min(1, Math.max(0, v));
}

// The sound player. Browsers allow sound only after a user gesture, so it
// starts switched off unless the page already had one; `onStateChange(on)`
// lets the display show its "sound on" control.
export function createMixer({ warn, onStateChange }) {
  const tracks = new Map(); // name -> object URL
  let playing = []; // {name, id, repeat, volume, el}
  const hadGesture = !!(navigator.userActivation && navigator.userActivation.hasBeenActive);
  let enabled = hadGesture;
  let seq = 0;

  function setTrack(entry) {
    const name = typeof entry.name === 'string' ? entry.name : undefined;
    if (!name) return warn('playground_config: sound track without a name', entry.name);
    const { blob, error } = audioBlob(entry);
    if (error) return warn(`playground_config: sound "${name}" skipped (${error})`);
    stop({ name });
    const old = tracks.get(name);
    if (old) URL.revokeObjectURL(old);
    tracks.set(name, URL.createObjectURL(blob));
    onStateChange(enabled);
  }

  function startElement(entry) {
    const url = tracks.get(entry.name);
    if (!url) return;
    const el = new Audio();
    el.preload = 'auto';
    el.src = url;
    el.volume = entry.volume;
    el.loop = entry.repeat;
    el.onended = () => { if (!entry.repeat) forget(entry); };
    el.onerror = () => warn(`sound "${entry.name}" cannot be played (format, or the page's CSP lacks media-src blob:)`);
    entry.el = el;
    const started = el.play();
    if (started && typeof started.catch === 'function') {
      started.catch((err) => {
        if (err && err.name === 'NotAllowedError') {
          // No user gesture yet: switch off and keep looping sounds waiting.
          setEnabled(false);
        } else if (err && err.name !== 'AbortError') {
          warn(`sound "${entry.name}" failed`, err && err.message);
        }
      });
    }
  }

  function release(entry) {
    if (!entry.el) return;
    const el = entry.el;
    entry.el = undefined;
    el.onended = null;
    el.onerror = null;
    el.pause();
    el.removeAttribute('src');
    el.load();
  }

  function forget(entry) {
    release(entry);
    playing = playing.filter((p) => p !== entry);
  }

  // start_audio {name, id?, repeat?, volume?}
  function play({ name, id, repeat, volume }) {
    if (!tracks.has(name)) return warn('start_audio: unknown sound name', name);
    const entry = { name, id: id === undefined ? `sound${(seq += 1)}` : String(id), repeat: !!repeat, volume: clampVolume(volume), el: undefined };
    if (!enabled) {
      // A one-shot sound is stale by the time the player switches sound on;
      // a looping one (music) starts then.
      if (entry.repeat) playing.push(entry);
      return;
    }
    while (playing.length >= MAX_PLAYING) {
      const victim = playing.find((p) => !p.repeat) || playing[0];
      forget(victim);
    }
    playing.push(entry);
    startElement(entry);
  }

  // stop_audio {name?, id?}: one sound, all of a track, or everything.
  function stop({ name, id } = {}) {
    const hit = (p) => (name === undefined || p.name === name) && (id === undefined || p.id === String(id));
    playing.filter(hit).forEach(forget);
  }

  function setEnabled(on) {
    if (on === enabled) return;
    enabled = on;
    if (on) {
      playing.filter((p) => !p.el).forEach(startElement);
    } else {
      playing.forEach(release);
      playing = playing.filter((p) => p.repeat);
    }
    onStateChange(enabled);
  }

  // clear_playground and reset: no sound, no tracks.
  function clear() {
    playing.slice().forEach(forget);
    for (const url of tracks.values()) URL.revokeObjectURL(url);
    tracks.clear();
    onStateChange(enabled);
  }

  return {
    setTrack,
    play,
    stop,
    clear,
    setEnabled,
    get enabled() { return enabled; },
    get hasTracks() { return tracks.size > 0; },
    destroy: clear,
  };
}
