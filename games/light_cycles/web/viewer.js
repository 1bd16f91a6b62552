// Light cycles replay viewer — an ES module with no dependencies.
//
//   import { mount } from '/games/light_cycles/web/viewer.js';
//   const viewer = mount(element, report);
//   viewer.play(); viewer.pause(); viewer.step(1); viewer.seek(0); viewer.setSpeed(2);
//   viewer.destroy();
//
// report.data is {size, frames}; each frame holds per player
// [x, y, head, alive, moves]. Trails are the cells each cycle visited up to
// the shown frame; each head carries its player's number. A legend ties each
// colour to the player's name (report.players[].name), alive or out (and
// since which tick), and its moves. Same controls, keys and hooks as the
// Tanks viewer: data-frame on the element, a "cf-frame" event,
// [data-action]/[data-role] controls; on the viewer (it takes focus) Space
// or K play/pause, ← → step, Home and End the first and last frames.

const COLORS = ['#2f7fd8', '#d8482f', '#2fa84f', '#b536c9', '#e0a106', '#1fb5b5'];
const COLOR_NAMES = ['blue', 'red', 'green', 'purple', 'yellow', 'teal'];
const HEADS = { U: 'up', R: 'right', D: 'down', L: 'left' };
export const KEYS_HELP = 'Keys: Space or K play/pause · ← → step · Home/End first/last frame';
const SPEEDS = [0.5, 1, 2, 4, 8];
const BASE_FPS = 8;

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

function parse(data) {
  const size = data && Number.isInteger(data.size) && data.size > 0 && data.size <= 200 ? data.size : 0;
  const raw = data && Array.isArray(data.frames) ? data.frames : [];
  const frames = raw.filter((f) => Array.isArray(f) && f.length > 0 && f.length <= COLORS.length &&
    f.every((p) => Array.isArray(p) && p.length >= 5 && Number.isInteger(p[0]) && Number.isInteger(p[1])));
  // every frame has the same players
  const same = frames.filter((f) => f.length === frames[0].length);
  return { size, frames: size ? same : [] };
}

export function mount(container, report, options = {}) {
  const { size, frames } = parse(report && report.data);
  const n = frames.length;
  const nplayers = n ? frames[0].length : 0;
  const players = Array.isArray(report && report.players) ? report.players : [];
  let index = 0;
  let speed = options.speed && SPEEDS.includes(options.speed) ? options.speed : 1;
  let timer = null;

  const names = [];
  for (let i = 0; i < nplayers; i++) {
    const p = players[i];
    const name = p && typeof p === 'object' ? p.name : typeof p === 'string' ? p : '';
    names.push(typeof name === 'string' && name.trim() ? name.trim() : `Player ${i + 1}`);
  }
  // The tick each player went out (the first frame it is not alive), if it did.
  const outAt = names.map((_, i) => { const k = frames.findIndex((f) => !f[i][3]); return k < 0 ? null : k; });

  const canvas = el('canvas', { width: 640, height: 640, 'data-role': 'board', role: 'img',
    style: { display: 'block', width: '100%', height: 'auto', border: '1px solid #888', background: '#10141c', boxSizing: 'border-box' } });
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
  const table = el('div', { 'data-role': 'state' }, legend);
  const caption = el('p', { 'data-role': 'outcome', role: 'status', style: { fontWeight: 'bold', margin: '.5rem 0' } });
  const help = el('p', { 'data-role': 'keys', style: { fontSize: '.85rem', opacity: '.8', margin: '.25rem 0' }, textContent: KEYS_HELP });

  const controls = el('div', { style: { display: 'flex', gap: '6px', alignItems: 'center', flexWrap: 'wrap', margin: '6px 0' } },
    firstBtn, backBtn, playBtn, stepBtn, lastBtn, scrub, speedSel);
  const root = el('div', { className: 'cf-viewer cf-viewer-light-cycles', tabindex: '0', role: 'group',
    'aria-label': `Light cycles replay. ${KEYS_HELP}`, 'aria-keyshortcuts': 'Space K ArrowLeft ArrowRight Home End',
    style: { borderRadius: '6px', padding: '4px' } },
  el('div', { style: { display: 'flex', gap: '16px', flexWrap: 'wrap', alignItems: 'flex-start' } },
    el('div', { style: { flex: '1 1 320px', maxWidth: '560px', minWidth: '0' } }, canvas, controls, label, help),
    // options.aside: the page's own element, under the legend (tanks' viewer)
    el('div', { style: { flex: '1 1 260px', minWidth: '0' } }, table, caption,
      typeof Node !== 'undefined' && options.aside instanceof Node ? options.aside : null)));
  container.replaceChildren(root);
  showFocus(root, '-3px');
  for (const node of [firstBtn, backBtn, playBtn, stepBtn, lastBtn, scrub, speedSel]) showFocus(node);
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
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2;
      ctx.strokeRect(px + 1, py + 1, cs - 2, cs - 2);
      if (alive && cs >= 14) {
        ctx.fillStyle = '#fff';
        ctx.font = `bold ${Math.floor(cs * 0.7)}px sans-serif`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(String(p + 1), px + cs / 2, py + cs / 2 + 1);
      }
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
    legend.replaceChildren(...frames[index].map((p, i) => {
      const alive = !!p[3];
      const status = alive ? 'alive' : outAt[i] !== null && outAt[i] <= index ? `out at tick ${outAt[i] - 1}` : 'out';
      return el('li', { 'data-player': String(i + 1), style: { borderLeft: `6px solid ${COLORS[i]}`, padding: '.25rem .5rem', minWidth: '0', overflowWrap: 'anywhere', opacity: alive ? '1' : '.75' } },
        el('div', { style: { display: 'flex', gap: '.5rem', alignItems: 'baseline', flexWrap: 'wrap' } },
          el('span', { 'aria-hidden': 'true', style: { display: 'inline-block', width: '1rem', height: '1rem', background: COLORS[i], color: '#fff', fontSize: '.75rem', textAlign: 'center', lineHeight: '1rem', fontWeight: 'bold', borderRadius: '2px' }, textContent: String(i + 1) }),
          el('strong', { 'data-role': 'name', textContent: names[i] }),
          el('span', { style: { opacity: '.8', fontSize: '.85rem' }, textContent: `${COLOR_NAMES[i]} · player ${i + 1}` })),
        el('div', { style: { fontSize: '.85rem' } },
          el('span', { 'data-role': 'status', textContent: status }),
          ` · ${p[4]} move${p[4] === 1 ? '' : 's'} · at (${p[0]}, ${p[1]}) heading ${HEADS[p[2]] || p[2]}`));
    }));
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
      ranks.push(`${names[i]}: rank ${rank} (${score} moves)`);
    }
    const expl = typeof report.explanation === 'string' ? report.explanation : '';
    return [ranks.join(', '), expl].filter(Boolean).join(' — ');
  }

  function render() {
    if (n === 0) {
      draw();
      label.textContent = 'no replay';
      legend.replaceChildren();
      caption.textContent = 'This report has no replay data.';
      return;
    }
    draw();
    renderTable();
    canvas.setAttribute('aria-label', `Grid at frame ${index}: ` + frames[index].map((p, i) =>
      `${names[i]} (${COLOR_NAMES[i]}) ${p[3] ? 'at' : 'out at'} (${p[0]}, ${p[1]})`).join('; '));
    label.textContent = `frame ${index} / ${n - 1} · ${index === 0 ? 'set-up' : `after tick ${index - 1}`}`;
    caption.textContent = index === n - 1 ? outcomeText() : '';
    scrub.value = String(index);
    container.dataset.frame = String(index);
    // The game's tick whose decisions the frame shows (the set-up: none), so
    // a page can show what the bots printed at it.
    const tick = index > 0 ? index - 1 : null;
    if (tick === null) delete container.dataset.tick; else container.dataset.tick = String(tick);
    container.dispatchEvent(new CustomEvent('cf-frame', { detail: { frame: index, frames: n, tick } }));
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

  const toggle = () => (timer === null ? play() : pause());
  playBtn.addEventListener('click', toggle);
  stepBtn.addEventListener('click', () => { pause(); seek(index + 1); });
  backBtn.addEventListener('click', () => { pause(); seek(index - 1); });
  firstBtn.addEventListener('click', () => { pause(); seek(0); });
  lastBtn.addEventListener('click', () => { pause(); seek(n - 1); });
  // Keys anywhere in the viewer; a control keeps its own (a button's Space,
  // the speed list's arrows, the scrubber's arrows, Home and End).
  root.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const tag = e.target && e.target.tagName;
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
