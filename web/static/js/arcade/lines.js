// lines.js — straight lines on the playground (`line`, `lines`,
// `remove_line`). Each line is a small SVG box around the line, stacked by
// z-index among the sprites, as in the original display. Lines take no part
// in collisions or border checks.
import { idOf, num, spriteColour } from './util.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export class Line {
  constructor(props, zIndex) {
    this.id = idOf(props.id);
    this.x1 = num(props.x1) ?? 0;
    this.y1 = num(props.y1) ?? 0;
    this.x2 = num(props.x2) ?? 0;
    this.y2 = num(props.y2) ?? 0;
    this.color = spriteColour(props.color);
    this.lineWidth = num(props.line_width) ?? 0.1;
    this.rotate = num(props.rotate);
    this.zIndex = num(props.z_index) ?? zIndex;
    this.el = undefined;
  }

  update(props) {
    for (const key of ['x1', 'y1', 'x2', 'y2', 'rotate']) {
      const v = num(props[key]);
      if (v !== undefined) this[key] = v;
    }
    if (props.color !== undefined) this.color = spriteColour(props.color);
    const lw = num(props.line_width);
    if (lw !== undefined) this.lineWidth = lw;
    const z = num(props.z_index);
    if (z !== undefined) this.zIndex = z;
  }

  // The box is at least one line width wide and high, so horizontal and
  // vertical lines keep their thickness.
  get left() { return Math.min(this.x1, this.x2) - this.pad(this.x1, this.x2); }
  get bottom() { return Math.min(this.y1, this.y2) - this.pad(this.y1, this.y2); }
  get width() { return Math.max(Math.abs(this.x1 - this.x2), this.lineWidth); }
  get height() { return Math.max(Math.abs(this.y1 - this.y2), this.lineWidth); }

  pad(a, b) {
    const span = Math.abs(a - b);
    return span < this.lineWidth ? (this.lineWidth - span) / 2 : 0;
  }

  render({ scale, shiftX, shiftY }) {
    if (!this.el) this.el = createSvg(this.id);
    const svg = this.el;
    const line = svg.firstChild;
    const s = svg.style;
    s.left = `${(this.left - shiftX) * scale}px`;
    s.bottom = `${(this.bottom - shiftY) * scale}px`;
    s.width = `${this.width * scale}px`;
    s.height = `${this.height * scale}px`;
    s.zIndex = String(Math.trunc(this.zIndex));
    // rotate in degrees; the original wrote it without a unit, so browsers
    // ignored it.
    s.transform = this.rotate ? `rotate(${this.rotate}deg)` : '';
    // Inside the box SVG's y grows downwards: flip against the box top.
    const top = this.bottom + this.height;
    line.setAttribute('x1', String((this.x1 - this.left) * scale));
    line.setAttribute('x2', String((this.x2 - this.left) * scale));
    line.setAttribute('y1', String((top - this.y1) * scale));
    line.setAttribute('y2', String((top - this.y2) * scale));
    line.setAttribute('stroke-width', String(this.lineWidth * scale));
    line.style.stroke = this.color || 'black';
  }

  removeElement() {
    if (this.el) {
      this.el.remove();
      this.el = undefined;
    }
  }
}

function createSvg(id) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', 'cf-line');
  svg.dataset.id = id;
  svg.setAttribute('aria-hidden', 'true');
  svg.appendChild(document.createElementNS(SVG_NS, 'line'));
  return svg;
}
