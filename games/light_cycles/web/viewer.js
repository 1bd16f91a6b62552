// Light cycles replay viewer — an ES module with no dependencies.
//
//   import { mount } from '/games/light_cycles/web/viewer.js';
//   const viewer = mount(element, report);
//   viewer.play(); viewer.pause(); viewer.step(1); viewer.seek(0); viewer.setSpeed(2);
//   viewer.destroy();
//
// report.data is {size, frames}; each frame holds per player
// [x, y, head, alive, moves]. Trails are the cells each cycle visited up to
// the shown frame. Same controls and hooks as the Tanks viewer: data-frame on
// the element, a "cf-frame" event, [data-action]/[data-role] controls.

const COLORS = ['#2f7fd8', '#d8482f', '#2fa84f', '#b536c9', '#e0a106', '#1fb5b5'];
const SPEEDS = [0.5, 1, 2, 4, 8];
const BASE_FPS = 8;

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

function parse(data) {
  const size = data && Number.isInteger(data.size) && data.size > 0 && data.size <= 200 ? data.size : 0;
  const raw = data && Array.isArray(data.frames) ? data.frames : [];
  const frames = raw.filter((f) => Array.isArray(f) && f.length > 0 && f.length <= COLORS.length &&
    f.every((p) => Array.isArray(p) && p.length >= 5 && Number.isInteger(p[0]) && Number.isInteger(p[1])));
  return { size, frames: size ? frames : [] };
}

export function mount(container, report, options = {}) {
  const { size, frames } = parse(report && report.data);
  const n = frames.length;
  const nplayers = n ? frames[0].length : 0;
  const players = Array.isArray(report && report.players) ? report.players : [];
  let index = 0;
  let speed = options.speed && SPEEDS.includes(options.speed) ? options.speed : 1;
  let timer = null;

  const canvas = el('canvas', { width: 480, height: 480, 'data-role': 'board',
    style: { border: '1px solid #888', background: '#10141c', maxWidth: '100%' } });
  const playBtn = el('button', { type: 'button', 'data-action': 'play', textContent: 'Play' });
  const backBtn = el('button', { type: 'button', 'data-action': 'step-back', textContent: '◀ Step' });
  const stepBtn = el('button', { type: 'button', 'data-action': 'step', textContent: 'Step ▶' });
  const scrub = el('input', { type: 'range', min: 0, max: Math.max(0, n - 1), value: 0, step: 1,
    'data-role': 'scrub', style: { width: '280px' } });
  scrub.setAttribute('aria-label', 'frame');
  const speedSel = el('select', { 'data-role': 'speed' });
  for (const s of SPEEDS) speedSel.append(el('option', { value: String(s), textContent: `${s}×`, selected: s === speed }));
  speedSel.setAttribute('aria-label', 'speed');
  const label = el('span', { 'data-role': 'frame-label' });
  const table = el('table', { 'data-role': 'state', style: { borderCollapse: 'collapse', fontFamily: 'monospace' } });
  const caption = el('p', { 'data-role': 'outcome', style: { fontWeight: 'bold' } });

  const controls = el('div', { style: { display: 'flex', gap: '6px', alignItems: 'center', flexWrap: 'wrap', margin: '6px 0' } },
    playBtn, backBtn, stepBtn, scrub, speedSel, label);
  const root = el('div', { className: 'cf-viewer cf-viewer-light-cycles' },
    el('div', { style: { display: 'flex', gap: '16px', flexWrap: 'wrap', alignItems: 'flex-start' } },
      el('div', {}, canvas, controls), el('div', { style: { minWidth: '280px' } }, table, caption)));
  container.replaceChildren(root);
  const ctx = canvas.getContext('2d');

  function cell(x, y) {
    const c = canvas.width / size;
    return [x * c, (size - 1 - y) * c, c]; // y = 0 is the bottom row
  }

  function draw() {
    ctx.fillStyle = '#10141c';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!size || n === 0) return;
    ctx.strokeStyle = '#1f2633';
    ctx.lineWidth = 1;
    const c = canvas.width / size;
    for (let i = 0; i <= size; i++) {
      ctx.beginPath(); ctx.moveTo(i * c, 0); ctx.lineTo(i * c, canvas.height); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(0, i * c); ctx.lineTo(canvas.width, i * c); ctx.stroke();
    }
    // trails: every cell a cycle stood on, frames 0..index
    for (let p = 0; p < nplayers; p++) {
      ctx.fillStyle = COLORS[p];
      ctx.globalAlpha = 0.55;
      for (let k = 0; k <= index; k++) {
        const [x, y] = frames[k][p];
        const [px, py, cs] = cell(x, y);
        ctx.fillRect(px + 1, py + 1, cs - 2, cs - 2);
      }
    }
    ctx.globalAlpha = 1;
    frames[index].forEach(([x, y, , alive], p) => {
      const [px, py, cs] = cell(x, y);
      ctx.fillStyle = alive ? COLORS[p] : '#666';
      ctx.fillRect(px, py, cs, cs);
      if (!alive) {
        ctx.strokeStyle = '#fff';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(px + 2, py + 2); ctx.lineTo(px + cs - 2, py + cs - 2);
        ctx.moveTo(px + cs - 2, py + 2); ctx.lineTo(px + 2, py + cs - 2);
        ctx.stroke();
      }
    });
  }

  function renderTable() {
    const head = el('tr', {}, ...['player', 'x', 'y', 'head', 'alive', 'moves']
      .map((h) => el('th', { textContent: h, style: { borderBottom: '1px solid #999', padding: '2px 6px', textAlign: 'left' } })));
    const rows = frames[index].map((p, i) => el('tr', { 'data-player': String(i + 1) },
      el('td', { textContent: `${i + 1}${players[i] && players[i].name ? ` ${players[i].name}` : ''}`,
        style: { color: COLORS[i], fontWeight: 'bold', padding: '2px 6px' } }),
      ...[p[0], p[1], p[2], p[3] ? 'yes' : 'no', p[4]]
        .map((v) => el('td', { textContent: String(v), style: { padding: '2px 6px' } }))));
    table.replaceChildren(head, ...rows);
  }

  function outcomeText() {
    // ranks from the players of the report, else from its result (ranks in player order)
    const result = Array.isArray(report.result) ? report.result : [];
    const ranks = [];
    for (let i = 0; i < nplayers; i++) {
      const p = players[i] || {};
      const rank = Number.isInteger(p.rank) ? p.rank : Number.isInteger(result[i]) ? result[i] : null;
      if (rank === null) continue;
      const score = typeof p.score === 'number' ? p.score : frames[n - 1][i][4];
      ranks.push(`${i + 1}: rank ${rank} (${score} moves)`);
    }
    const expl = typeof report.explanation === 'string' ? report.explanation : '';
    return [ranks.join(', '), expl].filter(Boolean).join(' — ');
  }

  function render() {
    if (n === 0) {
      draw();
      label.textContent = 'no replay';
      table.replaceChildren();
      caption.textContent = 'This report has no replay data.';
      return;
    }
    draw();
    renderTable();
    label.textContent = `frame ${index} / ${n - 1} · ${index === 0 ? 'set-up' : `after tick ${index - 1}`}`;
    caption.textContent = index === n - 1 ? outcomeText() : '';
    scrub.value = String(index);
    container.dataset.frame = String(index);
    container.dispatchEvent(new CustomEvent('cf-frame', { detail: { frame: index, frames: n } }));
  }

  function seek(i) {
    index = Math.max(0, Math.min(n - 1, Math.trunc(Number(i)) || 0));
    render();
  }

  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    playBtn.textContent = 'Play';
    container.dataset.playing = 'false';
  }

  function play() {
    if (n < 2) return;
    if (index >= n - 1) seek(0);
    if (timer !== null) clearInterval(timer);
    timer = setInterval(() => { if (index >= n - 1) pause(); else seek(index + 1); }, 1000 / (BASE_FPS * speed));
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
