// board.js — the colour grid (`grid`, `grid_update`) and the colour panel
// (`color`). In the original these were separate pages of the display app;
// here the display switches to them when such a message arrives and back to
// the playground on the next playground message. A touch sends `pointer`.
//
// Grid cells take colours as CSS strings, RGB(A) lists, or a brightness
// 0–9 of the base colour (a one-character string or a number; 0, '' and
// missing cells are white, as in the original). Strings in the grid are
// rows of such characters ("9  9 99"), newline-separated text likewise.
import { h } from '../dom.js';
import { epochSeconds, num } from './util.js';

const DEFAULT_BASE = [255, 0, 0];

let probe;
// [r, g, b] of any CSS colour, via the canvas colour parser (no name table).
function rgbOf(colour) {
  if (Array.isArray(colour) && colour.length >= 3 && colour.slice(0, 3).every((v) => num(v) !== undefined)) return colour.slice(0, 3);
  if (typeof colour !== 'string') return undefined;
  probe = probe || document.createElement('canvas').getContext('2d');
  if (!probe) return undefined;
  probe.fillStyle = '#010203';
  probe.fillStyle = colour;
  const parsed = probe.fillStyle;
  if (parsed === '#010203' && colour.trim().toLowerCase() !== '#010203') return undefined;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(parsed);
  if (hex) return [1, 2, 3].map((i) => parseInt(hex[i], 16));
  const rgb = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(parsed);
  return rgb ? [1, 2, 3].map((i) => Math.round(Number(rgb[i]))) : undefined;
}

function brightness(level, base) {
  const [r, g, b] = base || DEFAULT_BASE;
  const alpha = Number.isFinite(level) && level > 0 ? Math.min(level, 9) : 0;
  return `rgba(${r},${g},${b},${alpha / 9})`;
}

// The cell colour as CSS, or undefined (white).
export function cellColour(raw, base) {
  if (!raw) return undefined;
  if (typeof raw === 'string') return raw.length === 1 ? brightness(parseInt(raw, 10), base) : raw;
  if (typeof raw === 'number') return brightness(raw, base);
  if (Array.isArray(raw) && raw.length >= 3 && raw.every((v) => num(v) !== undefined)) {
    return raw.length === 3 ? `rgb(${raw.join(',')})` : `rgba(${raw.slice(0, 4).join(',')})`;
  }
  return undefined;
}

// Any accepted grid shape → rows of equal length.
export function toRows(grid) {
  let rows;
  if (typeof grid === 'string') {
    rows = grid.split('\n').map((line) => line.trim()).filter((line) => line.length > 0).map((line) => [...line]);
  } else if (!Array.isArray(grid)) {
    rows = [[grid]];
  } else if (grid.length === 0) {
    rows = [];
  } else if (typeof grid[0] === 'string') {
    rows = grid.map((line) => (typeof line === 'string' ? [...line] : [line]));
  } else if (!Array.isArray(grid[0])) {
    rows = [grid.slice()]; // one row of colours
  } else {
    rows = grid.map((row) => (Array.isArray(row) ? row.slice() : [row]));
  }
  const columns = rows.reduce((max, row) => Math.max(max, row.length), 0);
  if (rows.length === 0 || columns === 0) return [['white']];
  return rows.map((row) => { while (row.length < columns) row.push(undefined); return row; });
}

// {interactive, emit, warn} → board with showGrid/updateGrid/showColour
export function createBoard({ interactive, emit }) {
  const el = h('div', { class: 'cf-board', hidden: true });
  const gridEl = h('div', { class: 'cf-grid', role: 'grid', 'aria-label': 'Colour grid', hidden: true });
  const panelEl = h('div', { class: 'cf-panel', role: 'img', 'aria-label': 'Colour panel', hidden: true });
  const popup = h('div', { class: 'cf-grid-popup', hidden: true, 'aria-hidden': 'true' });
  el.append(gridEl, panelEl, popup);
  const grid = { rows: [['white']], base: undefined, enumerate: false, cells: [], shownAt: 0 };
  const panel = { raw: 'cyan', shownAt: 0 };
  let size = { width: 0, height: 0 };

  // --- grid ----------------------------------------------------------------

  function showGrid(msg) {
    grid.rows = toRows(msg.grid);
    grid.base = msg.base_color === undefined ? undefined : rgbOf(msg.base_color);
    grid.enumerate = !!msg.enumerate;
    buildGrid();
  }

  function updateGrid(msg) {
    if (msg.base_color !== undefined) grid.base = rgbOf(msg.base_color);
    if (msg.enumerate !== undefined) grid.enumerate = !!msg.enumerate;
    const number = num(msg.number);
    if (number === undefined && num(msg.row) === undefined) {
      buildGrid();
      return;
    }
    const columns = grid.rows[0].length;
    let row = num(msg.row) ?? 0;
    let column = num(msg.column) ?? 0;
    if (number !== undefined) {
      row = Math.floor((number - 1) / columns);
      column = (number - 1) % columns;
    }
    row = Math.trunc(row);
    column = Math.trunc(column);
    if (row < 0 || column < 0 || row > 10000 || column > 10000) return;
    while (grid.rows[0].length <= column) grid.rows.forEach((r) => r.push(undefined));
    while (grid.rows.length <= row) grid.rows.push(new Array(grid.rows[0].length).fill(undefined));
    grid.rows[row][column] = msg.color;
    buildGrid();
  }

  function buildGrid() {
    const columns = grid.rows[0].length;
    const now = epochSeconds();
    // Cell elements are reused: a game updating one cell in a loop must not
    // rebuild thousands of nodes.
    const wanted = grid.rows.length * columns;
    while (grid.cells.length > wanted) grid.cells.pop().remove();
    while (grid.cells.length < wanted) {
      const cell = h('div', { class: 'cf-cell', role: 'gridcell' });
      grid.cells.push(cell);
      gridEl.append(cell);
    }
    gridEl.style.gridTemplateColumns = `repeat(${columns}, 1fr)`;
    grid.rows.forEach((row, r) => row.forEach((raw, c) => {
      const cell = grid.cells[r * columns + c];
      const colour = cellColour(raw, grid.base) || 'white';
      // displayed_at: since when the player sees this cell's colour.
      if (cell.colour !== colour) {
        cell.shownAt = now;
        cell.colour = colour;
        cell.style.background = colour;
      }
      cell.raw = raw;
      cell.row = r;
      cell.column = c;
      cell.number = r * columns + c + 1;
      const label = grid.enumerate ? String(cell.number) : '';
      if (cell.textContent !== label) cell.replaceChildren(...(label ? [h('span', { class: 'cf-cell-n' }, label)] : []));
    }));
    layoutGrid();
  }

  function layoutGrid() {
    const columns = grid.rows[0].length;
    const rows = grid.rows.length;
    const cell = Math.max(1, Math.min(size.width / columns, size.height / rows));
    gridEl.style.width = `${cell * columns}px`;
    gridEl.style.fontSize = `${Math.max(8, Math.min(16, cell * 0.4))}px`;
  }

  function onGridDown(event) {
    const cell = event.target instanceof Element ? event.target.closest('.cf-cell') : null;
    if (!cell) return;
    emit({
      type: 'pointer', context: 'grid', row: cell.row, column: cell.column, number: cell.number,
      color: cell.raw, displayed_at: cell.shownAt || epochSeconds(),
    });
    cell.classList.add('cf-touched');
    popup.textContent = `[${cell.row}, ${cell.column}]`;
    popup.hidden = false;
  }

  function onGridUp() {
    for (const cell of gridEl.querySelectorAll('.cf-touched')) cell.classList.remove('cf-touched');
    popup.hidden = true;
  }

  // --- colour panel --------------------------------------------------------

  function showColour(msg) {
    panel.raw = msg.color;
    panel.shownAt = epochSeconds();
    panelEl.style.background = cellColour(panel.raw) || 'white';
  }

  function onPanelDown(event) {
    const rect = panelEl.getBoundingClientRect();
    emit({
      type: 'pointer', context: 'color',
      x: event.clientX - rect.left, y: event.clientY - rect.top, width: rect.width, height: rect.height,
      color: cellColour(panel.raw) || 'white', displayed_at: panel.shownAt || epochSeconds(),
    });
    panelEl.classList.add('cf-touched');
  }

  function onPanelUp() {
    panelEl.classList.remove('cf-touched');
  }

  const listeners = interactive ? [
    [gridEl, 'pointerdown', onGridDown], [gridEl, 'pointerup', onGridUp], [gridEl, 'pointercancel', onGridUp], [gridEl, 'pointerleave', onGridUp],
    [panelEl, 'pointerdown', onPanelDown], [panelEl, 'pointerup', onPanelUp], [panelEl, 'pointercancel', onPanelUp], [panelEl, 'pointerleave', onPanelUp],
  ] : [];
  for (const [target, type, fn] of listeners) target.addEventListener(type, fn);

  return {
    el,
    showGrid,
    updateGrid,
    showColour,
    // which: 'grid' | 'color' | undefined (hidden)
    show(which) {
      el.hidden = !which;
      gridEl.hidden = which !== 'grid';
      panelEl.hidden = which !== 'color';
    },
    // Back to the original's defaults, hidden.
    reset() {
      grid.rows = [['white']];
      grid.base = undefined;
      grid.enumerate = false;
      buildGrid();
      showColour({ color: 'cyan' });
    },
    layout(width, height) {
      size = { width, height };
      layoutGrid();
      panelEl.style.height = `${height}px`;
    },
    destroy() {
      for (const [target, type, fn] of listeners) target.removeEventListener(type, fn);
      el.remove();
    },
  };
}
