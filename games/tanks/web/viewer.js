// Tanks replay viewer — an ES module with no dependencies.
//
//   import { mount } from '/games/tanks/web/viewer.js';
//   const viewer = mount(element, report);   // report: the fight report JSON
//   viewer.play(); viewer.pause(); viewer.step(1); viewer.seek(0); viewer.setSpeed(2);
//   viewer.destroy();
//
// It draws report.data (frames of [x, y, health, head, moved, targeted] per
// player) on a canvas, with play/pause, step, a scrubber and a speed choice,
// and the state of the shown frame in a table beside it. The element gets
// data-frame (the shown frame's index) and a "cf-frame" event on each change.

const BOARD = 10;
const COLORS = ['#2f7fd8', '#d8482f'];
const SPEEDS = [0.5, 1, 2, 4, 8];
const BASE_FPS = 4;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'style') Object.assign(node.style, v);
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

function validFrames(data) {
  if (!Array.isArray(data)) return [];
  return data.filter((f) => Array.isArray(f) && f.length === 2 &&
    f.every((p) => Array.isArray(p) && p.length === 6 && Number.isInteger(p[0]) && Number.isInteger(p[1])));
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

function resultText(report) {
  const r = report.result;
  if (r === 'D') return 'Draw';
  if (Array.isArray(r)) {
    const w = r.indexOf('W');
    const names = Array.isArray(report.players) ? report.players.map((p) => p && p.name) : [];
    if (w >= 0) return `Player ${w + 1}${names[w] ? ` (${names[w]})` : ''} wins`;
  }
  return '';
}

export function mount(container, report, options = {}) {
  const frames = validFrames(report && report.data);
  const n = frames.length;
  let index = 0;
  let speed = options.speed && SPEEDS.includes(options.speed) ? options.speed : 1;
  let timer = null;

  const canvas = el('canvas', { width: 420, height: 420, 'data-role': 'board',
    style: { border: '1px solid #888', background: '#f4f1e8', maxWidth: '100%' } });
  const playBtn = el('button', { type: 'button', 'data-action': 'play', textContent: 'Play' });
  const backBtn = el('button', { type: 'button', 'data-action': 'step-back', textContent: '◀ Step' });
  const stepBtn = el('button', { type: 'button', 'data-action': 'step', textContent: 'Step ▶' });
  const scrub = el('input', { type: 'range', min: 0, max: Math.max(0, n - 1), value: 0, step: 1,
    'data-role': 'scrub', style: { width: '260px' } });
  scrub.setAttribute('aria-label', 'frame');
  const speedSel = el('select', { 'data-role': 'speed' });
  for (const s of SPEEDS) speedSel.append(el('option', { value: String(s), textContent: `${s}×`, selected: s === speed }));
  speedSel.setAttribute('aria-label', 'speed');
  const label = el('span', { 'data-role': 'frame-label' });
  const table = el('table', { 'data-role': 'state', style: { borderCollapse: 'collapse', fontFamily: 'monospace' } });
  const caption = el('p', { 'data-role': 'outcome', style: { fontWeight: 'bold' } });

  const controls = el('div', { style: { display: 'flex', gap: '6px', alignItems: 'center', flexWrap: 'wrap', margin: '6px 0' } },
    playBtn, backBtn, stepBtn, scrub, speedSel, label);
  const side = el('div', { style: { minWidth: '260px' } }, table, caption);
  const root = el('div', { className: 'cf-viewer cf-viewer-tanks' },
    el('div', { style: { display: 'flex', gap: '16px', flexWrap: 'wrap', alignItems: 'flex-start' } },
      el('div', {}, canvas, controls), side));
  container.replaceChildren(root);

  const ctx = canvas.getContext('2d');

  function cellRect(x, y) {
    const size = canvas.width / BOARD;
    return [x * size, (BOARD - 1 - y) * size, size]; // y = 0 is the bottom row
  }

  function drawGrid() {
    ctx.fillStyle = '#f4f1e8';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = '#d0cbbb';
    ctx.lineWidth = 1;
    const size = canvas.width / BOARD;
    for (let i = 0; i <= BOARD; i++) {
      ctx.beginPath(); ctx.moveTo(i * size, 0); ctx.lineTo(i * size, canvas.height); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(0, i * size); ctx.lineTo(canvas.width, i * size); ctx.stroke();
    }
  }

  function drawTank(p, i, shared) {
    const [x, y, health, head] = p;
    const [px, py, size] = cellRect(x, y);
    const inset = shared ? (i === 0 ? size * 0.08 : size * 0.3) : size * 0.15;
    const w = size * (shared ? 0.62 : 0.7);
    const alive = health > 0;
    ctx.fillStyle = alive ? COLORS[i] : '#777';
    ctx.fillRect(px + inset, py + inset, w, w);
    // the turret points the way the tank last moved
    const cx = px + inset + w / 2, cy = py + inset + w / 2;
    const d = { U: [0, -1], R: [1, 0], D: [0, 1], L: [-1, 0] }[head] || [1, 0];
    ctx.strokeStyle = '#222';
    ctx.lineWidth = 4;
    ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(cx + d[0] * w * 0.7, cy + d[1] * w * 0.7); ctx.stroke();
    // health bar
    const h = Math.max(0, Math.min(100, health)) / 100;
    ctx.fillStyle = '#333';
    ctx.fillRect(px + inset, py + inset - 6, w, 4);
    ctx.fillStyle = h > 0.5 ? '#3a3' : h > 0.2 ? '#da3' : '#d33';
    ctx.fillRect(px + inset, py + inset - 6, w * h, 4);
    ctx.fillStyle = '#fff';
    ctx.font = `${Math.floor(size * 0.22)}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.fillText(String(i + 1), cx, cy + size * 0.08);
  }

  function drawTarget(t, i) {
    if (!Array.isArray(t) || !Array.isArray(t[0])) return;
    const [tx, ty] = t[0];
    const [px, py, size] = cellRect(tx, ty);
    ctx.strokeStyle = COLORS[i];
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(px + size / 2, py + size / 2, size * 0.35, 0, Math.PI * 2); ctx.stroke();
    if (Array.isArray(t[1])) { // fired while moving: where it really lands
      const [lx, ly] = t[1];
      const [qx, qy] = cellRect(lx, ly);
      ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(px + size / 2, py + size / 2); ctx.lineTo(qx + size / 2, qy + size / 2); ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(qx + size * 0.25, qy + size * 0.25); ctx.lineTo(qx + size * 0.75, qy + size * 0.75);
      ctx.moveTo(qx + size * 0.75, qy + size * 0.25); ctx.lineTo(qx + size * 0.25, qy + size * 0.75);
      ctx.stroke();
    }
  }

  function renderTable(frame) {
    const head = el('tr', {}, ...['player', 'x', 'y', 'health', 'head', 'moved', 'targeted']
      .map((h) => el('th', { textContent: h, style: { borderBottom: '1px solid #999', padding: '2px 6px', textAlign: 'left' } })));
    const rows = frame.map((p, i) => el('tr', { 'data-player': String(i + 1) },
      el('td', { textContent: String(i + 1), style: { color: COLORS[i], fontWeight: 'bold', padding: '2px 6px' } }),
      ...[p[0], p[1], p[2], p[3], p[4] ? 'yes' : 'no', p[5] ? JSON.stringify(p[5]) : '—']
        .map((v) => el('td', { textContent: String(v), style: { padding: '2px 6px' } }))));
    table.replaceChildren(head, ...rows);
  }

  function render() {
    if (n === 0) {
      drawGrid();
      label.textContent = 'no replay';
      table.replaceChildren();
      caption.textContent = 'This report has no replay data.';
      return;
    }
    const frame = frames[index];
    drawGrid();
    frame.forEach((p, i) => drawTarget(p[5], i));
    const shared = frame[0][0] === frame[1][0] && frame[0][1] === frame[1][1];
    frame.forEach((p, i) => drawTank(p, i, shared));
    label.textContent = `frame ${index} / ${n - 1} · ${frameCaption(index, n, report)}`;
    renderTable(frame);
    caption.textContent = index === n - 1
      ? [resultText(report), explanationText(report.explanation)].filter(Boolean).join(' — ')
      : '';
    scrub.value = String(index);
    container.dataset.frame = String(index);
    container.dispatchEvent(new CustomEvent('cf-frame', { detail: { frame: index, frames: n } }));
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

  playBtn.addEventListener('click', () => (timer === null ? play() : pause()));
  stepBtn.addEventListener('click', () => { pause(); seek(index + 1); });
  backBtn.addEventListener('click', () => { pause(); seek(index - 1); });
  scrub.addEventListener('input', () => { pause(); seek(scrub.value); });
  speedSel.addEventListener('change', () => setSpeed(speedSel.value));

  render();
  return {
    play, pause, seek, setSpeed,
    step: (k = 1) => { pause(); seek(index + k); },
    frame: () => index,
    frames: () => n,
    destroy: () => { pause(); container.replaceChildren(); },
  };
}
