// Tanks replay viewer — an ES module with no dependencies.
//
//   import { mount } from '/games/tanks/web/viewer.js';
//   const viewer = mount(element, report);   // report: the fight report JSON
//   // options: {speed, aside: an element shown under the legend}
//   viewer.play(); viewer.pause(); viewer.step(1); viewer.seek(0); viewer.setSpeed(2);
//   viewer.destroy();
//
// It draws report.data (frames of [x, y, health, head, moved, targeted] per
// player) on a canvas: each tank in its player's colour with its number and
// a health bar, its shot as a dashed line to the target (and where a shot
// fired while moving really lands), and last tick's shots landing. Beside
// it a legend ties each colour to the player's name (report.players[].name)
// with a health bar and the frame's state in words. Controls: play/pause,
// step back and forward, first and last, a scrubber and a speed choice; and
// keys on the viewer (it takes focus): Space or K play/pause, ← → step, Home
// and End the first and last frames. The element gets data-frame (the shown
// frame's index), data-tick (the tick it follows), data-playing, and a
// "cf-frame" event ({frame, frames, tick}) on each change.

const BOARD = 10;
const COLORS = ['#1f6fd1', '#c8401f'];
const COLOR_NAMES = ['blue', 'red'];
const SPEEDS = [0.5, 1, 2, 4, 8];
const BASE_FPS = 4;
const HEADS = { U: 'up', R: 'right', D: 'down', L: 'left' };
export const KEYS_HELP = 'Keys: Space or K play/pause · ← → step · Home/End first/last frame';

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'style') Object.assign(node.style, v);
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'tabindex') node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function validFrames(data) {
  if (!Array.isArray(data)) return [];
  return data.filter((f) => Array.isArray(f) && f.length === 2 &&
    f.every((p) => Array.isArray(p) && p.length === 6 && Number.isInteger(p[0]) && Number.isInteger(p[1])));
}

const isPoint = (p) => Array.isArray(p) && Number.isInteger(p[0]) && Number.isInteger(p[1]);
// A frame's "targeted": null, or [target, landing or null] (landing: fired while moving).
function shot(t) {
  if (!Array.isArray(t) || !isPoint(t[0])) return null;
  return { target: t[0], landing: isPoint(t[1]) ? t[1] : null };
}

function explanationText(e) {
  if (e === 'X') return 'Tick limit exceeded.';
  return typeof e === 'string' ? e : '';
}

function frameCaption(i, n, report) {
  if (i === 0) return 'set-up';
  // the last frame of a fight that ended before the tick limit closes it:
  // the tick that found a tank dead (or a bot gone) adds no frame of its own
  if (i === n - 1 && report.explanation !== 'X' && Number.isInteger(report.ticks))
    return `end of the fight, tick ${report.ticks - 1}`;
  return `after tick ${i - 1}`;
}

function playerNames(report) {
  const list = report && Array.isArray(report.players) ? report.players : [];
  return [0, 1].map((i) => {
    const p = list[i];
    const name = p && typeof p === 'object' ? p.name : typeof p === 'string' ? p : '';
    return typeof name === 'string' && name.trim() ? name.trim() : `Player ${i + 1}`;
  });
}

function resultText(report, names) {
  const r = report.result;
  if (r === 'D' || (Array.isArray(r) && r[0] === 'D')) return 'Draw';
  if (Array.isArray(r)) {
    const w = r.indexOf('W');
    if (w >= 0) return `${names[w]} (${COLOR_NAMES[w]}, player ${w + 1}) wins`;
  }
  return '';
}

// Focus shown on the viewer and its controls whatever the page's styles
// (the module brings no stylesheet).
// The viewer's own ring is drawn inside it (offset -3px): a page may clip
// what overflows the viewer's box.
function showFocus(node, offset = '2px') {
  node.addEventListener('focus', () => {
    let visible = true;
    try { visible = node.matches(':focus-visible'); } catch { /* old browsers: always */ }
    if (visible) { node.style.outline = '3px solid #d35400'; node.style.outlineOffset = offset; }
  });
  node.addEventListener('blur', () => { node.style.outline = ''; node.style.outlineOffset = ''; });
}

export function mount(container, report, options = {}) {
  const frames = validFrames(report && report.data);
  const n = frames.length;
  const names = playerNames(report || {});
  let index = 0;
  let speed = options.speed && SPEEDS.includes(options.speed) ? options.speed : 1;
  let timer = null;

  const canvas = el('canvas', { width: 640, height: 640, 'data-role': 'board', role: 'img',
    style: { display: 'block', width: '100%', height: 'auto', border: '1px solid #888', background: '#f4f1e8', boxSizing: 'border-box' } });
  const btnStyle = { font: 'inherit', minHeight: '2.4rem', minWidth: '2.6rem', padding: '.3rem .6rem', cursor: 'pointer' };
  const firstBtn = el('button', { type: 'button', 'data-action': 'first', textContent: '|◀', title: 'First frame (Home)', 'aria-label': 'First frame', 'aria-keyshortcuts': 'Home', style: btnStyle });
  const backBtn = el('button', { type: 'button', 'data-action': 'step-back', textContent: '◀ Step', title: 'Step back (←)', 'aria-label': 'Step back', 'aria-keyshortcuts': 'ArrowLeft', style: btnStyle });
  const playBtn = el('button', { type: 'button', 'data-action': 'play', textContent: 'Play', title: 'Play or pause (Space)', 'aria-keyshortcuts': 'Space', style: { ...btnStyle, minWidth: '5rem' } });
  const stepBtn = el('button', { type: 'button', 'data-action': 'step', textContent: 'Step ▶', title: 'Step forward (→)', 'aria-label': 'Step forward', 'aria-keyshortcuts': 'ArrowRight', style: btnStyle });
  const lastBtn = el('button', { type: 'button', 'data-action': 'last', textContent: '▶|', title: 'Last frame (End)', 'aria-label': 'Last frame', 'aria-keyshortcuts': 'End', style: btnStyle });
  const scrub = el('input', { type: 'range', min: 0, max: Math.max(0, n - 1), value: 0, step: 1,
    'data-role': 'scrub', 'aria-label': 'Frame', style: { flex: '1 1 10rem', minWidth: '0', width: '10rem' } });
  const speedSel = el('select', { 'data-role': 'speed', 'aria-label': 'Speed', style: { font: 'inherit', minHeight: '2.4rem' } });
  for (const s of SPEEDS) speedSel.append(el('option', { value: String(s), textContent: `${s}×`, selected: s === speed }));
  const label = el('p', { 'data-role': 'frame-label', style: { margin: '.25rem 0', fontVariantNumeric: 'tabular-nums' } });
  const legend = el('ul', { 'data-role': 'legend', 'aria-label': 'Players', style: { listStyle: 'none', padding: '0', margin: '0 0 .75rem', display: 'grid', gap: '.5rem' } });
  const state = el('div', { 'data-role': 'state' }, legend);
  const caption = el('p', { 'data-role': 'outcome', role: 'status', style: { fontWeight: 'bold', margin: '.5rem 0' } });
  const help = el('p', { 'data-role': 'keys', style: { fontSize: '.85rem', opacity: '.8', margin: '.25rem 0' }, textContent: KEYS_HELP });

  const controls = el('div', { style: { display: 'flex', gap: '6px', alignItems: 'center', flexWrap: 'wrap', margin: '6px 0' } },
    firstBtn, backBtn, playBtn, stepBtn, lastBtn, scrub, speedSel);
  const boardBox = el('div', { style: { flex: '1 1 320px', maxWidth: '560px', minWidth: '0' } }, canvas, controls, label, help);
  // options.aside: the page's own element for this column, under the legend
  // (the web's Output panel: what the reader's bot printed at this tick).
  const aside = typeof Node !== 'undefined' && options.aside instanceof Node ? options.aside : null;
  const side = el('div', { style: { flex: '1 1 260px', minWidth: '0' } }, state, caption, aside);
  const root = el('div', { className: 'cf-viewer cf-viewer-tanks', tabindex: '0', role: 'group',
    'aria-label': `Tanks replay. ${KEYS_HELP}`, 'aria-keyshortcuts': 'Space K ArrowLeft ArrowRight Home End',
    style: { borderRadius: '6px', padding: '4px' } },
  el('div', { style: { display: 'flex', gap: '16px', flexWrap: 'wrap', alignItems: 'flex-start' } }, boardBox, side));
  container.replaceChildren(root);
  showFocus(root, '-3px');
  for (const node of [firstBtn, backBtn, playBtn, stepBtn, lastBtn, scrub, speedSel]) showFocus(node);

  const ctx = canvas.getContext('2d');
  const size = canvas.width / BOARD;

  function cellRect(x, y) {
    return [x * size, (BOARD - 1 - y) * size]; // y = 0 is the bottom row
  }
  const centre = (x, y) => { const [px, py] = cellRect(x, y); return [px + size / 2, py + size / 2]; };

  function drawGrid() {
    ctx.fillStyle = '#f4f1e8';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = '#d0cbbb';
    ctx.lineWidth = 1;
    for (let i = 0; i <= BOARD; i++) {
      ctx.beginPath(); ctx.moveTo(i * size, 0); ctx.lineTo(i * size, canvas.height); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(0, i * size); ctx.lineTo(canvas.width, i * size); ctx.stroke();
    }
    ctx.fillStyle = '#8a8473';
    ctx.font = `${Math.floor(size * 0.16)}px sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    for (let i = 0; i < BOARD; i++) {
      const [px, py] = cellRect(i, 0);
      ctx.fillText(String(i), px + 3, py + size - size * 0.2); // x along the bottom
      const [qx, qy] = cellRect(0, i);
      ctx.fillText(String(i), qx + 3, qy + 3); // y up the left
    }
  }

  function drawTank(p, i, shared) {
    const [x, y, health, head] = p;
    const [px, py] = cellRect(x, y);
    const inset = shared ? (i === 0 ? size * 0.06 : size * 0.32) : size * 0.16;
    const w = size * (shared ? 0.62 : 0.68);
    const alive = health > 0;
    ctx.fillStyle = alive ? COLORS[i] : '#777';
    ctx.fillRect(px + inset, py + inset, w, w);
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2;
    ctx.strokeRect(px + inset, py + inset, w, w);
    // the turret points the way the tank last moved
    const cx = px + inset + w / 2, cy = py + inset + w / 2;
    const d = { U: [0, -1], R: [1, 0], D: [0, 1], L: [-1, 0] }[head] || [1, 0];
    ctx.strokeStyle = '#111';
    ctx.lineWidth = Math.max(3, size * 0.08);
    ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(cx + d[0] * w * 0.72, cy + d[1] * w * 0.72); ctx.stroke();
    // health bar above the tank
    const hp = Math.max(0, Math.min(100, health)) / 100;
    const barH = Math.max(5, size * 0.09);
    ctx.fillStyle = '#333';
    ctx.fillRect(px + inset, py + inset - barH - 2, w, barH);
    ctx.fillStyle = hp > 0.5 ? '#2e9e3a' : hp > 0.2 ? '#d9a21b' : '#d33';
    ctx.fillRect(px + inset, py + inset - barH - 2, w * hp, barH);
    ctx.fillStyle = '#fff';
    ctx.font = `bold ${Math.floor(size * 0.3)}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(i + 1), cx, cy);
    if (!alive) {
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.moveTo(px + inset + 4, py + inset + 4); ctx.lineTo(px + inset + w - 4, py + inset + w - 4);
      ctx.moveTo(px + inset + w - 4, py + inset + 4); ctx.lineTo(px + inset + 4, py + inset + w - 4);
      ctx.stroke();
    }
  }

  // This tick's shot: a dashed line from the tank to its target (a ring),
  // and for a shot fired while moving a cross where it will really land.
  function drawShot(p, i) {
    const s = shot(p[5]);
    if (!s) return;
    const [sx, sy] = centre(p[0], p[1]);
    const [tx, ty] = centre(s.target[0], s.target[1]);
    ctx.strokeStyle = COLORS[i];
    ctx.lineWidth = 3;
    ctx.setLineDash([8, 6]);
    ctx.beginPath(); ctx.moveTo(sx, sy); ctx.lineTo(tx, ty); ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath(); ctx.arc(tx, ty, size * 0.36, 0, Math.PI * 2); ctx.stroke();
    if (s.landing) {
      const [lx, ly] = centre(s.landing[0], s.landing[1]);
      ctx.lineWidth = 2;
      ctx.setLineDash([3, 3]);
      ctx.beginPath(); ctx.moveTo(tx, ty); ctx.lineTo(lx, ly); ctx.stroke();
      ctx.setLineDash([]);
      ctx.lineWidth = 4;
      const r = size * 0.25;
      ctx.beginPath();
      ctx.moveTo(lx - r, ly - r); ctx.lineTo(lx + r, ly + r);
      ctx.moveTo(lx + r, ly - r); ctx.lineTo(lx - r, ly + r);
      ctx.stroke();
    }
  }

  // Last frame's shots land at the start of this tick: a burst there.
  function drawImpact(prev, i) {
    const s = shot(prev[5]);
    if (!s) return;
    const at = s.landing || s.target;
    const [cx, cy] = centre(at[0], at[1]);
    ctx.fillStyle = 'rgba(255, 140, 0, .55)';
    ctx.strokeStyle = COLORS[i];
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let k = 0; k < 16; k++) {
      const r = (k % 2 ? 0.22 : 0.45) * size;
      const a = (Math.PI * 2 * k) / 16;
      ctx[k ? 'lineTo' : 'moveTo'](cx + Math.cos(a) * r, cy + Math.sin(a) * r);
    }
    ctx.closePath(); ctx.fill(); ctx.stroke();
  }

  function shotWords(p) {
    const s = shot(p[5]);
    if (!s) return '';
    return s.landing
      ? `fired at (${s.target[0]}, ${s.target[1]}) while moving: lands on (${s.landing[0]}, ${s.landing[1]})`
      : `fired at (${s.target[0]}, ${s.target[1]})`;
  }

  function renderLegend(frame) {
    legend.replaceChildren(...frame.map((p, i) => {
      const health = Math.max(0, Math.min(100, Number(p[2]) || 0));
      const bar = el('div', { role: 'meter', 'aria-label': `${names[i]}'s health`, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(health),
        'data-role': 'health', style: { height: '.6rem', background: '#3335', borderRadius: '3px', overflow: 'hidden', margin: '.2rem 0' } },
      el('div', { style: { width: `${health}%`, height: '100%', background: health > 50 ? '#2e9e3a' : health > 20 ? '#d9a21b' : '#d33' } }));
      const what = [p[4] ? `moved, facing ${HEADS[p[3]] || p[3]}` : `stood still, facing ${HEADS[p[3]] || p[3]}`, shotWords(p)].filter(Boolean).join('; ');
      return el('li', { 'data-player': String(i + 1), style: { borderLeft: `6px solid ${COLORS[i]}`, padding: '.25rem .5rem', minWidth: '0', overflowWrap: 'anywhere' } },
        el('div', { style: { display: 'flex', gap: '.5rem', alignItems: 'baseline', flexWrap: 'wrap' } },
          el('span', { 'aria-hidden': 'true', style: { display: 'inline-block', width: '1rem', height: '1rem', background: COLORS[i], color: '#fff', fontSize: '.75rem', textAlign: 'center', lineHeight: '1rem', fontWeight: 'bold', borderRadius: '2px' }, textContent: String(i + 1) }),
          el('strong', { 'data-role': 'name', textContent: names[i] }),
          el('span', { style: { opacity: '.8', fontSize: '.85rem' }, textContent: `${COLOR_NAMES[i]} · player ${i + 1}` })),
        bar,
        el('div', { style: { fontSize: '.85rem' } },
          el('span', { 'data-role': 'health-text', textContent: health > 0 ? `health ${health} / 100` : 'destroyed (health 0)' }),
          ` · at (${p[0]}, ${p[1]})`),
        what ? el('div', { style: { fontSize: '.85rem' }, textContent: what }) : null);
    }));
  }

  function render() {
    if (n === 0) {
      drawGrid();
      label.textContent = 'no replay';
      legend.replaceChildren();
      caption.textContent = 'This report has no replay data.';
      return;
    }
    const frame = frames[index];
    drawGrid();
    if (index > 0) frames[index - 1].forEach((p, i) => drawImpact(p, i));
    frame.forEach((p, i) => drawShot(p, i));
    const shared = frame[0][0] === frame[1][0] && frame[0][1] === frame[1][1];
    frame.forEach((p, i) => drawTank(p, i, shared));
    canvas.setAttribute('aria-label', `Board at frame ${index}: ` + frame.map((p, i) =>
      `${names[i]} (${COLOR_NAMES[i]}) at (${p[0]}, ${p[1]}) with health ${p[2]}`).join('; '));
    label.textContent = `frame ${index} / ${n - 1} · ${frameCaption(index, n, report)}`;
    renderLegend(frame);
    caption.textContent = index === n - 1
      ? [resultText(report, names), explanationText(report.explanation)].filter(Boolean).join(' — ')
      : '';
    scrub.value = String(index);
    container.dataset.frame = String(index);
    // The game's tick whose decisions the frame shows (the set-up: none), so
    // a page can show what the bots printed at it.
    const tick = index > 0 ? index - 1 : null;
    if (tick === null) delete container.dataset.tick; else container.dataset.tick = String(tick);
    container.dispatchEvent(new CustomEvent('cf-frame', { detail: { frame: index, frames: n, tick } }));
  }

  function seek(i) {
    const next = Math.max(0, Math.min(n - 1, Math.trunc(Number(i)) || 0));
    index = next;
    render();
  }

  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    playBtn.textContent = 'Play';
    container.dataset.playing = 'false';
  }

  function tick() {
    if (index >= n - 1) { pause(); return; }
    seek(index + 1);
  }

  function play() {
    if (n < 2) return;
    if (index >= n - 1) seek(0);
    if (timer !== null) clearInterval(timer);
    timer = setInterval(tick, 1000 / (BASE_FPS * speed));
    playBtn.textContent = 'Pause';
    container.dataset.playing = 'true';
  }

  function setSpeed(s) {
    if (!SPEEDS.includes(Number(s))) return;
    speed = Number(s);
    speedSel.value = String(speed);
    if (timer !== null) play();
  }

  const toggle = () => (timer === null ? play() : pause());
  playBtn.addEventListener('click', toggle);
  stepBtn.addEventListener('click', () => { pause(); seek(index + 1); });
  backBtn.addEventListener('click', () => { pause(); seek(index - 1); });
  firstBtn.addEventListener('click', () => { pause(); seek(0); });
  lastBtn.addEventListener('click', () => { pause(); seek(n - 1); });
  scrub.addEventListener('input', () => { pause(); seek(scrub.value); });
  speedSel.addEventListener('change', () => setSpeed(speedSel.value));
  // Keys anywhere in the viewer; a control keeps its own (a button's Space,
  // the speed list's arrows, the scrubber's arrows, Home and End).
  root.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    const tag = t && t.tagName;
    const own = tag === 'SELECT' || tag === 'INPUT' || tag === 'TEXTAREA';
    let act = null;
    if ((e.key === ' ' || e.key === 'k' || e.key === 'K') && tag !== 'BUTTON' && !own) act = toggle;
    else if (own) return;
    else if (e.key === 'ArrowRight') act = () => { pause(); seek(index + 1); };
    else if (e.key === 'ArrowLeft') act = () => { pause(); seek(index - 1); };
    else if (e.key === 'Home') act = () => { pause(); seek(0); };
    else if (e.key === 'End') act = () => { pause(); seek(n - 1); };
    if (!act) return;
    e.preventDefault();
    act();
  });

  render();
  return {
    play, pause, seek, setSpeed,
    step: (k = 1) => { pause(); seek(index + k); },
    frame: () => index,
    frames: () => n,
    destroy: () => { pause(); container.replaceChildren(); },
  };
}
