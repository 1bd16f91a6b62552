// chart.js — a small line chart in SVG, for the ladder's rating histories.
// No library: one series of numbers over their order, drawn for a phone or
// a wider screen (the SVG then scales with its box, undistorted, so its
// text stays legible), with a
// title and a description for screen readers and, under it, the same
// values in a table inside <details>, so nothing is only in the picture.
import { h, uid } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

// Round, readable steps for the value axis: about four between lo and hi.
function ticks(lo, hi) {
  const span = hi - lo || 1;
  const raw = span / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

export function fmtNumber(v, digits = 2) {
  return Number(v).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// points: [{value, label}] in order (label: what the table shows for the
// point, e.g. a date). title: the chart's name; valueName: the column's.
// columns: optional extra columns of the table [{name, value(point)}].
export function lineChart(points, { title, valueName = 'Value', columns = [], describe } = {}) {
  // Drawn about as wide as it will be shown: text keeps about its size.
  const W = window.innerWidth < 700 ? 360 : 800;
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const values = points.map((p) => Number(p.value)).filter(Number.isFinite);
  if (!values.length) return h('p', { class: 'empty' }, 'No ratings yet.');
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.08;
  lo -= pad; hi += pad;
  const xs = (i) => PAD.left + (points.length === 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (points.length - 1));
  const ys = (v) => PAD.top + ((hi - v) * (H - PAD.top - PAD.bottom)) / (hi - lo);
  const first = values[0];
  const last = values[values.length - 1];
  const summary = describe || `${points.length} point${points.length === 1 ? '' : 's'}, from ${fmtNumber(first)} to ${fmtNumber(last)}; lowest ${fmtNumber(Math.min(...values))}, highest ${fmtNumber(Math.max(...values))}.`;

  const grid = ticks(lo, hi).map((v) => s('g', { class: 'chart-grid' },
    s('line', { x1: PAD.left, x2: W - PAD.right, y1: ys(v), y2: ys(v) }),
    s('text', { x: PAD.left - 6, y: ys(v) + 4, 'text-anchor': 'end' }, fmtNumber(v, Math.abs(v) < 10 && v % 1 ? 1 : 0))));
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${xs(i).toFixed(1)},${ys(Number(p.value)).toFixed(1)}`).join(' ');
  const dots = points.map((p, i) => s('circle', { class: 'chart-point', cx: xs(i).toFixed(1), cy: ys(Number(p.value)).toFixed(1), r: 3.5 },
    s('title', null, `${p.label}: ${fmtNumber(p.value)}`)));
  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': titleId, 'aria-describedby': descId,
  },
  s('title', { id: titleId }, title),
  s('desc', { id: descId }, summary),
  ...grid,
  s('line', { class: 'chart-axis', x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom }),
  s('text', { class: 'chart-x', x: PAD.left, y: H - 8, 'text-anchor': 'start' }, String(points[0].label || '')),
  points.length > 1 ? s('text', { class: 'chart-x', x: W - PAD.right, y: H - 8, 'text-anchor': 'end' }, String(points[points.length - 1].label || '')) : null,
  s('path', { class: 'chart-line', d: path }),
  ...dots);

  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'list stack-sm chart-values' },
    h('caption', { class: 'visually-hidden' }, title),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'When'),
      columns.map((c) => h('th', { scope: 'col' }, c.name)), h('th', { scope: 'col' }, valueName))),
    h('tbody', null, points.map((p, i) => h('tr', null, h('td', { 'data-label': '#' }, String(i + 1)),
      h('td', { 'data-label': 'When' }, String(p.label || '')),
      columns.map((c) => h('td', { 'data-label': c.name }, c.value(p))), h('td', { 'data-label': valueName }, fmtNumber(p.value)))))));
  return h('figure', { class: 'chart-box', 'aria-label': title },
    svg,
    h('figcaption', { class: 'muted small' }, summary),
    h('details', { class: 'chart-details' }, h('summary', null, `${title}: the values`), table));
}
