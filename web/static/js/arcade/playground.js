// playground.js — the arcade's game display: draws what a sandboxed Python
// game (smartphone_connector) sends, and turns the player's input into the
// events the game listens for. See README.md in this folder for every
// message and event.
//
//   const display = mountPlayground(container, {
//     onEvent(msg) { … send to the game … },
//     interactive: true,        // false: a silent watcher, sends nothing
//     onScore(score) { … },     // report_score messages
//     sound: false,             // never any sound: no tracks, no blob: URLs (the kiosk)
//   });
//   display.apply(msg); display.applyAll([msg, …]); display.reset(); display.destroy();
//
// The motion loop runs on a timer (every TICK_MS, also while the tab is in
// the background, like the original's setInterval) and moves sprites, checks
// borders and collisions; drawing happens once per animation frame for the
// sprites that changed.
import { h } from '../dom.js';
import { createBoard } from './board.js';
import { createKeyboard, createMotion, createPad, motionSupported } from './controls.js';
import { Line } from './lines.js';
import { createMixer, imageUrl } from './media.js';
import { createPrompts } from './prompts.js';
import { Sprite, overlaps } from './sprites.js';
import { clock, createLogger, epochSeconds, idOf, isObject, num } from './util.js';

const TICK_MS = 10;
// A sprite completely outside the playground for this long is removed.
const OUT_SECONDS = 2;
const DEFAULT_CONFIG = Object.freeze({ width: 100, height: 100, shiftX: -50, shiftY: -50, color: 'lightgrey', image: undefined });

export function mountPlayground(container, options = {}) {
  if (!(container instanceof Element)) throw new TypeError('mountPlayground: container must be an element');
  const interactive = options.interactive !== false;
  // sound: false — a silent display (the kiosk): sound tracks are never
  // decoded (no blob: URLs), start_audio is ignored, no sound switch.
  const sound = options.sound !== false;
  const warn = createLogger('arcade');
  let destroyed = false;

  // --- state ---------------------------------------------------------------
  let config = { ...DEFAULT_CONFIG };
  const images = new Map(); // name -> data:image/… URL
  const sprites = new Map(); // id -> Sprite, in arrival order
  const lines = new Map(); // id -> Line
  const owners = new WeakMap(); // sprite element -> Sprite
  let zCounter = 0;
  let movementCounter = 0;
  let view = 'playground';
  let scale = 1;
  let lastSpace = { width: -1, height: -1 };

  // --- DOM -----------------------------------------------------------------
  const background = h('img', { class: 'cf-stage-bg', alt: '', hidden: true, draggable: 'false' });
  const stage = h('div', { class: 'cf-stage', role: 'region', 'aria-label': 'Playground' }, background);
  const notes = h('div', { class: 'cf-arcade-notes', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages from the game', hidden: true });
  const board = createBoard({ interactive, emit });
  const viewport = h('div', { class: 'cf-arcade-viewport' }, stage, board.el);
  // Notifications: below the playground on phones, over its corner on wider
  // screens (arcade.css).
  const screen = h('div', { class: 'cf-arcade-screen' }, viewport, notes);
  const soundButton = h('button', { type: 'button', class: 'cf-tool cf-sound', 'aria-pressed': 'false', hidden: true }, 'Sound: off');
  const toolbar = h('div', { class: 'cf-arcade-toolbar' }, soundButton);
  const pad = interactive ? createPad({ emit }) : undefined;
  const motion = interactive && motionSupported() ? createMotion({ emit, warn }) : undefined;
  if (motion) toolbar.append(motion.el);
  const root = h('section', { class: `cf-arcade${interactive ? '' : ' cf-arcade-watch'}`, 'aria-label': 'Game display' },
    toolbar, h('div', { class: 'cf-arcade-main' }, screen, pad && pad.el));
  container.append(root);

  const prompts = createPrompts({ notes, dialogHost: root, interactive, emit });
  const mixer = createMixer({ warn, onStateChange: showSoundState });
  const keyboard = interactive ? createKeyboard({ emit, isActive: acceptsKeys }) : undefined;

  // --- events to the game --------------------------------------------------

  function emit(msg) {
    if (!interactive || destroyed || typeof options.onEvent !== 'function') return;
    try {
      options.onEvent(msg);
    } catch (err) {
      warn('onEvent threw', err);
    }
  }

  function acceptsKeys() {
    if (destroyed || prompts.isOpen || document.visibilityState === 'hidden') return false;
    const r = root.getBoundingClientRect();
    return r.width > 0 && r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth;
  }

  // --- sprites -------------------------------------------------------------

  const spriteHooks = {
    // The original server forwarded one auto_movement_pos per sprite and
    // movement id and none for the init movement; so does the display.
    fixed(sprite, x, y, movementId) {
      if (movementId.startsWith('init') || sprite.reportedMovements.has(movementId)) return;
      sprite.reportedMovements.add(movementId);
      emit({ type: 'auto_movement_pos', id: sprite.id, movement_id: movementId, x, y });
    },
    done(sprite) {
      removeSprite(sprite, true);
    },
    // The original server gave movements these ids.
    nextMovementId: () => `s-${(movementCounter += 1)}`,
    zIndex: () => (zCounter += 1),
  };

  function upsertSprite(props) {
    const id = isObject(props) ? idOf(props.id) : undefined;
    if (!id) {
      warn('sprite: not an object with an id', props);
      return;
    }
    const now = clock();
    let sprite = sprites.get(id);
    if (sprite) {
      sprite.update(props, now);
    } else {
      sprite = new Sprite(props, spriteHooks, now);
      sprites.set(id, sprite);
    }
    markDirty(sprite);
  }

  function removeSprite(sprite, report) {
    if (sprites.get(sprite.id) !== sprite) return;
    sprites.delete(sprite.id);
    dirtySprites.delete(sprite);
    sprite.removeElement();
    if (report) emit({ type: 'sprite_removed', id: sprite.id });
  }

  // --- lines ---------------------------------------------------------------

  function upsertLine(props) {
    const id = isObject(props) ? idOf(props.id) : undefined;
    if (!id) {
      warn('line: not an object with an id', props);
      return;
    }
    let line = lines.get(id);
    if (line) {
      line.update(props);
    } else {
      line = new Line(props, (zCounter += 1));
      lines.set(id, line);
    }
    dirtyLines.add(line);
    scheduleRender();
  }

  function removeLine(id) {
    const line = lines.get(id);
    if (!line) return;
    lines.delete(id);
    dirtyLines.delete(line);
    line.removeElement();
  }

  // clear_playground (everything, back to the default configuration) or
  // clean_playground (sprites and lines only).
  function clearPlayground(everything) {
    for (const sprite of sprites.values()) sprite.removeElement();
    for (const line of lines.values()) line.removeElement();
    sprites.clear();
    lines.clear();
    dirtySprites.clear();
    dirtyLines.clear();
    movementCounter = 0;
    if (!everything) return;
    config = { ...DEFAULT_CONFIG };
    images.clear();
    mixer.clear();
    zCounter = 0;
    configChanged();
  }

  // --- configuration -------------------------------------------------------

  function applyConfig(cfg) {
    if (!isObject(cfg)) {
      warn('playground_config: no config object', cfg);
      return;
    }
    const positive = (v) => (num(v) !== undefined && v > 0 ? v : undefined);
    config.width = positive(cfg.width) ?? config.width;
    config.height = positive(cfg.height) ?? config.height;
    // Python turns origin_x/origin_y into shift_x/shift_y = -origin; both
    // are taken here.
    config.shiftX = num(cfg.shift_x) ?? (num(cfg.origin_x) !== undefined ? -cfg.origin_x : config.shiftX);
    config.shiftY = num(cfg.shift_y) ?? (num(cfg.origin_y) !== undefined ? -cfg.origin_y : config.shiftY);
    if (typeof cfg.color === 'string') config.color = cfg.color;
    if (Array.isArray(cfg.images)) cfg.images.forEach(addImage);
    if (cfg.image !== undefined) config.image = typeof cfg.image === 'string' ? cfg.image : undefined;
    if (sound && Array.isArray(cfg.audio_tracks)) {
      cfg.audio_tracks.forEach((track) => (isObject(track) ? mixer.setTrack(track) : warn('playground_config: bad sound track', track)));
    }
    configChanged();
  }

  function addImage(entry) {
    if (!isObject(entry) || typeof entry.name !== 'string' || !entry.name) {
      warn('playground_config: image without a name', entry);
      return;
    }
    const { url, error } = imageUrl(entry);
    if (error) warn(`playground_config: image "${entry.name}" skipped (${error})`);
    else images.set(entry.name, url);
  }

  function imageFor(name) {
    if (images.has(name)) return images.get(name);
    // A sprite may also name a data:image/ URL directly.
    if (name.startsWith('data:image/')) return imageUrl({ image: name }).url;
    return undefined;
  }

  function configChanged() {
    stage.style.backgroundColor = config.color;
    const bg = config.image ? imageFor(config.image) : undefined;
    background.hidden = !bg;
    if (bg && background.getAttribute('src') !== bg) background.src = bg;
    if (!bg) background.removeAttribute('src');
    lastSpace = { width: -1, height: -1 };
    layout();
    renderAll = true;
    scheduleRender();
  }

  // --- layout --------------------------------------------------------------

  // The space the display may fill: the viewport's width, and its CSS
  // max-height (--cf-arcade-max-height, 70vh by default).
  function availableSpace() {
    const width = viewport.clientWidth;
    const max = getComputedStyle(viewport).maxHeight;
    let height;
    if (max.endsWith('px')) height = parseFloat(max);
    else if (max === 'none') height = Infinity;
    else if (max.endsWith('%')) height = (container.clientHeight * parseFloat(max)) / 100;
    else height = window.innerHeight * 0.7;
    return { width, height: height > 0 ? height : window.innerHeight * 0.7 };
  }

  // Scale the playground's units to fit, keeping its aspect ratio.
  function layout() {
    if (destroyed) return;
    const space = availableSpace();
    if (space.width <= 0) return;
    if (space.width === lastSpace.width && space.height === lastSpace.height) return;
    lastSpace = space;
    const ratio = config.width / config.height;
    const width = Math.min(space.width, space.height * ratio);
    stage.style.width = `${width}px`;
    stage.style.height = `${width / ratio}px`;
    const newScale = width / config.width;
    if (newScale !== scale) {
      scale = newScale;
      renderAll = true;
      scheduleRender();
    }
    board.layout(space.width, Number.isFinite(space.height) ? space.height : space.width * 0.75);
  }

  function showView(name) {
    if (view === name) return;
    view = name;
    stage.hidden = name !== 'playground';
    board.show(name === 'playground' ? undefined : name);
    lastSpace = { width: -1, height: -1 };
    layout();
  }

  const resizeObserver = typeof ResizeObserver === 'function' ? new ResizeObserver(() => layout()) : undefined;
  if (resizeObserver) resizeObserver.observe(viewport);
  const onWindowResize = () => layout();
  window.addEventListener('resize', onWindowResize);

  // --- drawing -------------------------------------------------------------

  const dirtySprites = new Set();
  const dirtyLines = new Set();
  let renderAll = true;
  let frame = 0;

  function markDirty(sprite) {
    dirtySprites.add(sprite);
    scheduleRender();
  }

  function scheduleRender() {
    if (!frame && !destroyed) frame = requestAnimationFrame(render);
  }

  function viewState() {
    return { scale, shiftX: config.shiftX, shiftY: config.shiftY, interactive, imageUrl: imageFor };
  }

  function render() {
    frame = 0;
    const v = viewState();
    const all = renderAll;
    renderAll = false;
    for (const sprite of all ? sprites.values() : dirtySprites) drawSprite(sprite, v, all);
    for (const line of all ? lines.values() : dirtyLines) {
      line.render(v);
      if (!line.el.isConnected) stage.append(line.el);
    }
    dirtySprites.clear();
    dirtyLines.clear();
  }

  function drawSprite(sprite, v, all) {
    sprite.render(v, all);
    if (!sprite.el.isConnected) {
      owners.set(sprite.el, sprite);
      stage.append(sprite.el);
    }
  }

  // --- the motion loop -----------------------------------------------------

  function tick() {
    const now = clock();
    const area = {
      left: config.shiftX, right: config.shiftX + config.width,
      bottom: config.shiftY, top: config.shiftY + config.height,
    };
    const alive = (sprite) => sprites.get(sprite.id) === sprite;
    for (const sprite of Array.from(sprites.values())) {
      if (!alive(sprite)) continue;
      const { x, y } = sprite;
      sprite.mover.step(now);
      if (!alive(sprite)) continue; // its movement ended its life
      if (sprite.x !== x || sprite.y !== y) markDirty(sprite);
      checkBorders(sprite, area, now);
      if (alive(sprite) && sprite.collisionDetection) checkCollisions(sprite);
    }
  }

  function borderSide(area, box) {
    if (box.left < area.left) return 'left';
    if (area.right < box.right) return 'right';
    if (area.top < box.top) return 'top';
    if (box.bottom < area.bottom) return 'bottom';
    return undefined;
  }

  // border_overlap once per side while the sprite sticks out; sprite_out
  // when it is completely outside; removed (sprite_removed) when it stays
  // outside for OUT_SECONDS.
  function checkBorders(sprite, area, now) {
    if (overlaps(sprite, area)) {
      sprite.outSince = undefined;
      const side = borderSide(area, sprite);
      if (side && side !== sprite.lastBorder) {
        emit({ type: 'border_overlap', id: sprite.id, collision_detection: sprite.collisionDetection, border: side, x: sprite.x, y: sprite.y });
      }
      sprite.lastBorder = side;
    } else if (sprite.outSince === undefined) {
      sprite.outSince = now;
      emit({ type: 'sprite_out', id: sprite.id });
    } else if (now - sprite.outSince > OUT_SECONDS) {
      removeSprite(sprite, true);
    }
  }

  // sprite_collision in/out, reported once per pair: the first sprite to see
  // the overlap tells the other one (when it detects collisions too).
  function checkCollisions(sprite) {
    const touching = new Set();
    for (const other of sprites.values()) if (other !== sprite && overlaps(sprite, other)) touching.add(other);
    if (touching.size === 0 && sprite.overlapping.size === 0) return;
    const timeStamp = epochSeconds();
    for (const other of touching) {
      if (sprite.overlapping.has(other)) continue;
      sprite.overlapping.add(other);
      if (other.collisionDetection) other.overlapping.add(sprite);
      emit({ type: 'sprite_collision', sprites: [sprite.summary(), other.summary()], time_stamp: timeStamp, overlap: 'in' });
    }
    for (const other of Array.from(sprite.overlapping)) {
      if (touching.has(other)) continue;
      sprite.overlapping.delete(other);
      if (other.collisionDetection) other.overlapping.delete(sprite);
      emit({ type: 'sprite_collision', sprites: [sprite.summary(), other.summary()], time_stamp: timeStamp, overlap: 'out' });
    }
  }

  const timer = setInterval(tick, TICK_MS);

  // --- clicks on sprites ---------------------------------------------------

  function clickedSprite(target) {
    const el = target instanceof Element ? target.closest('.cf-sprite') : null;
    const sprite = el && owners.get(el);
    return sprite && sprite.clickable && sprites.get(sprite.id) === sprite ? sprite : undefined;
  }

  function reportClick(sprite) {
    sprite.flash();
    emit({ type: 'sprite_clicked', id: sprite.id, text: sprite.text, x: sprite.x, y: sprite.y });
  }

  function onStageClick(event) {
    const sprite = clickedSprite(event.target);
    if (!sprite) return;
    event.stopPropagation();
    reportClick(sprite);
  }

  // Enter or Space on a focused clickable sprite clicks it.
  function onStageKeyDown(event) {
    if (event.key !== 'Enter' && event.code !== 'Space') return;
    const sprite = clickedSprite(event.target);
    if (!sprite) return;
    event.preventDefault();
    reportClick(sprite);
  }

  if (interactive) {
    stage.addEventListener('click', onStageClick);
    stage.addEventListener('keydown', onStageKeyDown);
  }

  // --- sound ---------------------------------------------------------------

  function showSoundState(on) {
    soundButton.hidden = !mixer.hasTracks;
    soundButton.setAttribute('aria-pressed', String(on));
    soundButton.textContent = on ? 'Sound: on' : 'Sound: off';
    toolbar.hidden = soundButton.hidden && !motion;
  }

  // The click is the user gesture browsers require before sound.
  const onSoundClick = () => mixer.setEnabled(!mixer.enabled);
  soundButton.addEventListener('click', onSoundClick);
  showSoundState(mixer.enabled);

  // --- messages from the game ----------------------------------------------

  const list = (msg, key) => {
    if (Array.isArray(msg[key])) return msg[key];
    warn(`${msg.type}: "${key}" is not a list`, msg[key]);
    return [];
  };

  const handlers = new Map(Object.entries({
    sprite: (m) => { showView('playground'); upsertSprite(m.sprite); },
    sprites: (m) => { showView('playground'); list(m, 'sprites').forEach(upsertSprite); },
    remove_sprite: (m) => { const s = sprites.get(idOf(m.id)); if (s) removeSprite(s, false); },
    line: (m) => { showView('playground'); upsertLine(m.line); },
    lines: (m) => { showView('playground'); list(m, 'lines').forEach(upsertLine); },
    remove_line: (m) => removeLine(idOf(m.id)),
    clear_playground: () => { showView('playground'); clearPlayground(true); },
    clean_playground: () => clearPlayground(false),
    playground_config: (m) => { showView('playground'); applyConfig(m.config); },
    notification: (m) => prompts.notify(m),
    input_prompt: (m) => prompts.prompt(m),
    cancel_user_input: (m) => prompts.withdraw(m.time_stamp, m.input_type),
    // Relayed answers of the player close a watcher's read-only copy.
    input_response: (m) => { if (!interactive) prompts.withdraw(m.time_stamp, 'input_prompt'); },
    alert_confirm: (m) => { if (!interactive) prompts.withdraw(m.time_stamp, 'notification'); },
    start_audio: (m) => { if (!sound) return; if (typeof m.name === 'string') mixer.play(m); else warn('start_audio: no name', m.name); },
    stop_audio: (m) => mixer.stop({ name: typeof m.name === 'string' ? m.name : undefined, id: m.id === undefined || m.id === null ? undefined : m.id }),
    grid: (m) => { board.showGrid(m); showView('grid'); },
    grid_update: (m) => { board.updateGrid(m); showView('grid'); },
    color: (m) => { board.showColour(m); showView('color'); },
    report_score: (m) => { if (typeof options.onScore === 'function') options.onScore(m.score); },
  }));

  function apply(msg) {
    if (destroyed) return;
    if (!isObject(msg) || typeof msg.type !== 'string') {
      warn('skipped a message without a type', msg);
      return;
    }
    const handler = handlers.get(msg.type);
    if (!handler) return; // a type this display does not know: ignored
    try {
      handler(msg);
    } catch (err) {
      warn(`${msg.type}: skipped a malformed message`, err);
    }
  }

  function applyAll(msgs) {
    if (!Array.isArray(msgs)) {
      warn('applyAll: not a list', msgs);
      return;
    }
    for (const msg of msgs) apply(msg);
  }

  // A fresh display for the next game: no sprites, lines, sounds, dialogs.
  function reset() {
    if (destroyed) return;
    clearPlayground(true);
    prompts.clear();
    board.reset();
    showView('playground');
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true; // from here on nothing schedules, draws or emits
    clearInterval(timer);
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    if (resizeObserver) resizeObserver.disconnect();
    window.removeEventListener('resize', onWindowResize);
    stage.removeEventListener('click', onStageClick);
    stage.removeEventListener('keydown', onStageKeyDown);
    soundButton.removeEventListener('click', onSoundClick);
    clearPlayground(true);
    if (keyboard) keyboard.destroy();
    if (pad) pad.destroy();
    if (motion) motion.destroy();
    prompts.destroy();
    mixer.destroy();
    board.destroy();
    root.remove();
  }

  layout();
  configChanged();

  return { apply, applyAll, reset, destroy };
}
