// sprites.js — one sprite of the playground: its state from `sprite`
// messages, its bounding box in playground units, and its DOM element.
//
// Coordinates are playground units with the origin bottom-left and y up; the
// anchor says which point of the box pos_x/pos_y is ([0, 0] bottom-left,
// [0.5, 0.5] centre; round sprites default to the centre).
import { h } from '../dom.js';
import { Mover } from './movement.js';
import { idOf, num, pair, spriteColour } from './util.js';

const BORDER_STYLES = new Set(['dotted', 'dashed', 'solid', 'double', 'groove', 'ridge', 'inset', 'outset', 'none', 'hidden']);
const ROUND_FORMS = new Set(['round', 'circle', 'ellipse']);
// The original drew text in the page's 14 px when no font_size was given.
const DEFAULT_FONT_PX = 14;
const MIN_FONT_PX = 6;

export function overlaps(a, b) {
  return a.right > b.left && a.left < b.right && a.top > b.bottom && a.bottom < b.top;
}

export class Sprite {
  // hooks: {fixed(sprite, x, y, movementId), done(sprite), nextMovementId(), zIndex()}
  constructor(props, hooks, now) {
    this.id = idOf(props.id);
    this.width = num(props.width) ?? 5;
    this.height = num(props.height) ?? 5;
    this.form = typeof props.form === 'string' ? props.form : 'rectangle';
    this.anchor = pair(props.anchor) || (ROUND_FORMS.has(this.form) ? [0.5, 0.5] : [0, 0]);
    this.zIndex = num(props.z_index) ?? hooks.zIndex();
    this.collisionDetection = !!props.collision_detection;
    this.clickable = !!props.clickable;
    this.color = spriteColour(props.color);
    this.borderColor = spriteColour(props.border_color);
    this.borderWidth = num(props.border_width);
    this.borderStyle = BORDER_STYLES.has(props.border_style) ? props.border_style : undefined;
    this.text = textOf(props.text);
    this.fontColor = spriteColour(props.font_color);
    this.fontSize = num(props.font_size);
    this.image = typeof props.image === 'string' ? props.image : undefined;
    this.rotate = num(props.rotate);
    // Loop state: sprites it overlaps, the border it was last reported on,
    // since when it is completely outside (monotonic seconds).
    this.overlapping = new Set();
    this.lastBorder = undefined;
    this.outSince = undefined;
    // Movement ids already reported (auto_movement_pos): the original server
    // forwarded each (sprite, movement id) once.
    this.reportedMovements = new Set();
    this.el = undefined;
    // The look (colours, text, image…) is redrawn only after it changed; the
    // box is redrawn whenever the sprite moved.
    this.lookChanged = true;
    this.mover = new Mover(props, {
      fixed: (x, y, movementId) => hooks.fixed(this, x, y, movementId),
      done: () => hooks.done(this),
    }, hooks.nextMovementId, now);
  }

  get x() { return this.mover.x; }
  get y() { return this.mover.y; }
  get left() { return this.x - this.anchor[0] * this.width; }
  get right() { return this.x + (1 - this.anchor[0]) * this.width; }
  get bottom() { return this.y - this.anchor[1] * this.height; }
  get top() { return this.y + (1 - this.anchor[1]) * this.height; }

  // A later message for the same id: only the fields it carries change.
  update(props, now) {
    const setNum = (key, field) => { const v = num(props[key]); if (v !== undefined) this[field] = v; };
    const anchor = pair(props.anchor);
    if (anchor) this.anchor = anchor;
    if (props.color !== undefined) this.color = spriteColour(props.color);
    if (props.border_color !== undefined) this.borderColor = spriteColour(props.border_color);
    setNum('border_width', 'borderWidth');
    if (BORDER_STYLES.has(props.border_style)) this.borderStyle = props.border_style;
    if (typeof props.form === 'string') this.form = props.form;
    setNum('height', 'height');
    setNum('width', 'width');
    if (props.clickable !== undefined) this.clickable = !!props.clickable;
    if (props.text !== undefined) this.text = textOf(props.text);
    setNum('rotate', 'rotate');
    if (props.image !== undefined) this.image = typeof props.image === 'string' ? props.image : undefined;
    if (props.font_color !== undefined) this.fontColor = spriteColour(props.font_color);
    setNum('font_size', 'fontSize');
    setNum('z_index', 'zIndex');
    if (props.collision_detection !== undefined) this.collisionDetection = !!props.collision_detection;
    this.lookChanged = true;
    this.mover.update(props, now);
  }

  // --- DOM ---------------------------------------------------------------

  // view: {scale, shiftX, shiftY, imageUrl(name), interactive}; all: also
  // redraw the look (after a resize or a new image).
  render(view, all = false) {
    if (!this.el) this.el = this.createElement();
    this.renderBox(view);
    if (all || this.lookChanged) {
      this.renderLook(view);
      this.lookChanged = false;
    }
  }

  createElement() {
    return h('div', { class: 'cf-sprite', dataset: { id: this.id } });
  }

  renderBox({ scale, shiftX, shiftY }) {
    const s = this.el.style;
    s.left = `${(this.left - shiftX) * scale}px`;
    s.bottom = `${(this.bottom - shiftY) * scale}px`;
    s.width = `${this.width * scale}px`;
    s.height = `${this.height * scale}px`;
  }

  renderLook(view) {
    const { scale } = view;
    const el = this.el;
    const s = el.style;
    el.classList.toggle('cf-round', ROUND_FORMS.has(this.form));
    el.classList.toggle('cf-clickable', this.clickable && view.interactive);
    s.zIndex = String(Math.trunc(this.zIndex));
    s.backgroundColor = this.color || '';
    this.renderBorder(scale);
    s.transform = this.rotate ? `rotate(${this.rotate}deg)` : '';
    s.transformOrigin = this.rotate ? `${this.anchor[0] * 100}% ${(1 - this.anchor[1]) * 100}%` : '';
    const imageUrl = this.image ? view.imageUrl(this.image) : undefined;
    this.renderImage(imageUrl);
    this.renderText(scale, !!(this.borderColor || this.color || imageUrl));
    this.renderRole(view.interactive);
  }

  renderBorder(scale) {
    const s = this.el.style;
    if (!this.borderColor) {
      s.borderWidth = '';
      s.borderStyle = '';
      s.borderColor = '';
      return;
    }
    // Default: one screen pixel; never more than half the box.
    let width = this.borderWidth ?? 1 / scale;
    width = Math.min(width, Math.min(this.width, this.height) / 2);
    s.borderWidth = `${Math.max(0, width) * scale}px`;
    s.borderStyle = this.borderStyle || 'solid';
    s.borderColor = this.borderColor;
  }

  renderImage(url) {
    let img = this.el.querySelector(':scope > img');
    if (!url) {
      if (img) img.remove();
      return;
    }
    if (!img) {
      img = h('img', { class: 'cf-sprite-img', alt: '', draggable: 'false' });
      this.el.prepend(img);
    }
    // Set directly: dom.js turns data: URLs into '#', and only data:image/
    // URLs built by media.js ever get here.
    if (img.getAttribute('src') !== url) img.src = url;
  }

  renderText(scale, centred) {
    let span = this.el.querySelector(':scope > .cf-sprite-text');
    if (this.text === undefined || this.text === '') {
      if (span) span.remove();
      return;
    }
    if (!span) {
      span = h('span', { class: 'cf-sprite-text' });
      this.el.append(span);
    }
    if (span.textContent !== this.text) span.textContent = this.text;
    span.classList.toggle('cf-text-start', !centred);
    span.style.color = this.fontColor || '';
    span.style.fontSize = `${this.fontPx(scale)}px`;
  }

  // font_size is in playground units. Without one the original used the
  // page's 14 px, which overflowed the sprite on small screens: here it is
  // 14 px at most, and smaller when the text would not fit the box.
  fontPx(scale) {
    if (this.fontSize !== undefined) return this.fontSize * scale;
    const longest = Math.max(1, ...this.text.split('\n').map((line) => line.length));
    const lines = this.text.split('\n').length;
    const fit = Math.min((this.height * scale * 0.8) / lines, (this.width * scale * 0.95) / (0.6 * longest));
    return Math.max(MIN_FONT_PX, Math.min(DEFAULT_FONT_PX, fit));
  }

  // Clickable sprites are buttons for keyboard and screen-reader users too.
  renderRole(interactive) {
    const el = this.el;
    if (this.clickable && interactive) {
      el.setAttribute('role', 'button');
      el.tabIndex = 0;
      el.setAttribute('aria-label', this.text || this.id);
    } else {
      el.removeAttribute('role');
      el.removeAttribute('tabindex');
      el.removeAttribute('aria-label');
    }
  }

  // Short visual feedback on a click (the original greyed the sprite 150 ms).
  flash() {
    if (!this.el || typeof this.el.animate !== 'function') return;
    const frames = this.color ? [{ filter: 'brightness(85%)' }, { filter: 'brightness(85%)' }]
      : [{ filter: 'brightness(85%)', backgroundColor: 'gray' }, { filter: 'brightness(85%)', backgroundColor: 'gray' }];
    this.el.animate(frames, { duration: 150 });
  }

  removeElement() {
    if (this.el) {
      this.el.remove();
      this.el = undefined;
    }
  }

  // The {id, collision_detection, pos_x, pos_y} pair entries of sprite_collision.
  summary() {
    return { id: this.id, collision_detection: this.collisionDetection, pos_x: this.x, pos_y: this.y };
  }
}

function textOf(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
