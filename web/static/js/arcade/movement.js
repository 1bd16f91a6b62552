// movement.js — a sprite's automatic movement, with the semantics of the
// original Game Runner display:
//
// * Every sprite has an "init" movement built from its own direction, speed,
//   distance and time_span fields. When that one ends (time_span or distance
//   reached) the sprite is done and leaves the playground (sprite_removed).
// * `movements` ({movements: [...], repeat, cycle, exit_on_done,
//   cancel_previous}) pushes a sequence on top of a stack; the top sequence
//   moves the sprite, and when it ends the one below resumes where the sprite
//   now is. cancel_previous drops all but the init movement first.
// * relative: position = start + direction × speed × 10 × seconds;
//   absolute: towards `to` at speed × 10 units/s, or in `time` seconds.
// * Each finished movement reports the sprite's position with the
//   movement's id (auto_movement_pos); ids of repeated movements get a
//   "-<cycle>r" suffix, as the original did.
import { num, pair } from './util.js';

// Playground units per second for speed 1 (the original multiplied by 10).
const SPEED_FACTOR = 10;

// A movement from a message, checked and copied (the original mutated the
// message's own objects while pausing and renaming).
function normalizeMovement(raw, nextId) {
  if (!raw || typeof raw !== 'object') return undefined;
  const id = typeof raw.id === 'string' && raw.id ? raw.id : nextId();
  if (raw.movement === 'absolute') {
    const to = pair(raw.to);
    if (!to) return undefined;
    return { movement: 'absolute', id, to, speed: num(raw.speed), time: num(raw.time) };
  }
  return {
    movement: 'relative',
    id,
    direction: pair(raw.direction) || [0, 0],
    // Python always sends a speed (default 1); a missing one would be NaN.
    speed: num(raw.speed) ?? 1,
    distance: num(raw.distance),
    time_span: num(raw.time_span),
  };
}

// A user movement that can never move or end is dropped, as the original did.
function canRun(m) {
  if (m.movement === 'absolute') return (m.speed !== undefined && m.speed !== 0) || m.time !== undefined;
  const moves = (m.direction[0] !== 0 || m.direction[1] !== 0) && m.speed !== 0;
  return moves || (m.time_span !== undefined && m.time_span > 0);
}

function rename(id, cycle) {
  if (id.endsWith('r')) {
    const parts = id.split('-');
    parts[parts.length - 1] = `${cycle}r`;
    return parts.join('-');
  }
  return `${id}-${cycle}r`;
}

class Sequence {
  constructor(movements, { repeat, cycle, exitOnDone, isInit }, now) {
    this.queue = movements;
    this.isInit = isInit;
    this.exitOnDone = exitOnDone;
    const times = num(repeat);
    this.repeat = cycle ? Infinity : times ?? 1;
    // Counted over the movements kept: counting dropped ones too (as the
    // original did) repeats the first movement once too often.
    this.size = movements.length;
    this.completed = 0;
    this.resetTime(now);
  }

  get current() { return this.queue[0]; }
  get cycle() { return this.size > 0 ? Math.floor(this.completed / this.size) : 0; }
  get hasNext() { return this.queue.length > 1; }

  // Moves at all (the original's hasMovement).
  get moves() {
    const m = this.current;
    if (!m) return false;
    if (m.movement === 'absolute') return true;
    return (m.direction[0] !== 0 || m.direction[1] !== 0) && m.speed !== 0;
  }

  // Still has work: moving, or waiting out a time_span/time.
  get isProcessing() {
    const m = this.current;
    if (!m) return false;
    if (this.moves) return true;
    if (m.movement === 'absolute') return m.time !== undefined || (m.speed !== undefined && m.speed !== 0);
    return m.time_span !== undefined && m.time_span > 0;
  }

  resetTime(now) {
    this.startTime = now;
    this.pausedAt = now;
  }

  pause(now) {
    this.pausedAt = now;
  }

  // Resuming counts the time already spent against the movement's time limit,
  // then restarts the clock from the sprite's current position.
  resume(now) {
    const m = this.current;
    const spent = this.pausedAt - this.startTime;
    if (m && spent > 0) {
      if (m.movement === 'absolute' && m.time) m.time -= spent;
      if (m.movement === 'relative' && m.time_span) m.time_span -= spent;
    }
    this.resetTime(now);
  }
}

// Mover: the movement state of one sprite. hooks.fixed(x, y, movementId) is
// called when a movement ends or is interrupted (→ auto_movement_pos);
// hooks.done() when the sprite's life ends (→ removed, sprite_removed).
export class Mover {
  constructor(props, hooks, nextId, now) {
    this.hooks = hooks;
    this.nextId = nextId;
    this.x = num(props.pos_x) ?? 0;
    this.y = num(props.pos_y) ?? 0;
    this.initX = this.x;
    this.initY = this.y;
    const init = this.initSequence({
      movement: 'relative',
      id: 'init',
      direction: pair(props.direction) || [0, 0],
      speed: num(props.speed) ?? 0,
      distance: num(props.distance),
      time_span: num(props.time_span),
    }, now);
    this.stack = [init];
    const user = this.userSequence(props.movements, now);
    if (user) this.stack.push(user);
    this.configure(this.top && this.top.current && this.top.current.id, now);
  }

  get top() { return this.stack[this.stack.length - 1]; }

  get initMovement() {
    for (let i = this.stack.length - 1; i >= 0; i -= 1) if (this.stack[i].isInit) return this.stack[i];
    return undefined;
  }

  initSequence(movement, now) {
    return new Sequence([movement], { exitOnDone: true, isInit: true }, now);
  }

  userSequence(spec, now) {
    if (!spec || typeof spec !== 'object' || !Array.isArray(spec.movements)) return undefined;
    const movements = spec.movements.map((m) => normalizeMovement(m, this.nextId)).filter((m) => m && canRun(m));
    return new Sequence(movements, {
      repeat: spec.repeat,
      cycle: !!spec.cycle,
      exitOnDone: !!spec.exit_on_done,
      isInit: false,
    }, now);
  }

  // The original's fixPosition + start: the current position becomes the
  // start of the running movement, reported unless the init movement runs.
  configure(movementId, now) {
    this.fix(movementId);
    if (this.top) this.top.resume(now);
  }

  fix(movementId) {
    this.initX = this.x;
    this.initY = this.y;
    if (movementId && this.top && !this.top.isInit) this.hooks.fixed(this.x, this.y, movementId);
  }

  // A sprite message for an existing sprite: new position, a new init
  // movement, new movement sequences.
  update(props, now) {
    const m = this.top && this.top.current;
    const keepOffset = m && m.movement === 'relative' && m.distance !== undefined;
    const px = num(props.pos_x);
    const py = num(props.pos_y);
    if (px !== undefined) {
      const dx = keepOffset ? this.x - this.initX : 0;
      this.initX = px;
      this.x = px + dx;
    }
    if (py !== undefined) {
      const dy = keepOffset ? this.y - this.initY : 0;
      this.initY = py;
      this.y = py + dy;
    }
    if (props.reset_time && this.top) {
      // The original reset only the clock, which made a moving sprite jump
      // back to where its movement started; restart from here instead.
      this.initX = this.x;
      this.initY = this.y;
      this.top.resetTime(now);
    }
    this.updateInit(props, now);
    if (props.movements !== undefined) this.pushMovements(props.movements, now);
  }

  updateInit(props, now) {
    const changes = {
      direction: pair(props.direction),
      speed: num(props.speed),
      distance: num(props.distance),
      // The original passed this as `time`, so a new time_span never reached
      // the init movement; it does here.
      time_span: num(props.time_span),
    };
    const init = this.initMovement;
    if (!init || !init.current || Object.values(changes).every((v) => v === undefined)) return;
    const updated = { ...init.current, id: 'init', direction: [...init.current.direction] };
    for (const [key, value] of Object.entries(changes)) if (value !== undefined) updated[key] = value;
    if (this.top) this.top.pause(now);
    this.stack = this.stack.filter((s) => s !== init);
    this.stack.push(this.initSequence(updated, now));
    this.configure(init.current.id, now);
  }

  pushMovements(spec, now) {
    const sequence = this.userSequence(spec, now);
    if (!sequence) return;
    const interrupted = this.top;
    if (interrupted) interrupted.pause(now);
    if (spec.cancel_previous) {
      const init = this.initMovement;
      this.stack = init ? [init] : [];
    }
    this.stack.push(sequence);
    this.configure(interrupted && interrupted.current && interrupted.current.id, now);
  }

  // One step of the motion loop; true when the position was computed.
  step(now) {
    const seq = this.top;
    if (!seq || (!seq.isProcessing && !seq.hasNext)) return false;
    const m = seq.current;
    const dt = now - seq.startTime;
    const [x, y] = m.movement === 'absolute' ? this.absolutePosition(m, dt) : this.relativePosition(m, dt);
    this.x = x;
    this.y = y;
    const end = this.endPosition(m, dt);
    if (end) {
      // End exactly where the movement ends (the original overshot by up to
      // one step, which added up over repeated sequences).
      [this.x, this.y] = end;
      this.advance(now);
    }
    return true;
  }

  absolutePosition(m, dt) {
    const dX = m.to[0] - this.initX;
    const dY = m.to[1] - this.initY;
    if (m.time !== undefined) {
      if (m.time <= 0) return m.to;
      return [this.initX + (dt / m.time) * dX, this.initY + (dt / m.time) * dY];
    }
    if (m.speed) {
      const len = Math.hypot(dX, dY);
      if (len === 0) return m.to;
      const travelled = m.speed * dt * SPEED_FACTOR;
      return [this.initX + (travelled * dX) / len, this.initY + (travelled * dY) / len];
    }
    return [this.x, this.y];
  }

  relativePosition(m, dt) {
    const travelled = m.speed * dt * SPEED_FACTOR;
    return [this.initX + m.direction[0] * travelled, this.initY + m.direction[1] * travelled];
  }

  // Where the movement ends if it has ended by now, else undefined.
  endPosition(m, dt) {
    if (m.movement === 'absolute') {
      if (m.time !== undefined) return dt > m.time ? m.to : undefined;
      if (!m.speed) return undefined;
      const passed = (from, to, at) => (from <= to ? to - at <= 0 : to - at >= 0);
      return passed(this.initX, m.to[0], this.x) && passed(this.initY, m.to[1], this.y) ? m.to : undefined;
    }
    const len = Math.hypot(m.direction[0], m.direction[1]);
    if (m.distance) {
      const travelled = Math.hypot(this.x - this.initX, this.y - this.initY);
      if (travelled < m.distance || travelled === 0) return undefined;
      const k = m.distance / travelled;
      return [this.initX + (this.x - this.initX) * k, this.initY + (this.y - this.initY) * k];
    }
    if (m.time_span) {
      if (dt <= m.time_span) return undefined;
      const travelled = m.speed * m.time_span * SPEED_FACTOR;
      return len === 0 ? [this.x, this.y] : [this.initX + m.direction[0] * travelled, this.initY + m.direction[1] * travelled];
    }
    return undefined;
  }

  // The running movement ended: queue it again while repeats are left,
  // report the position, and finish the sequence when nothing is left.
  advance(now) {
    const seq = this.top;
    if (!seq.isProcessing) {
      this.finish(seq, now);
      return;
    }
    const done = seq.queue.shift();
    if (seq.cycle + 1 < seq.repeat) seq.queue.push(done);
    done.id = rename(done.id, seq.cycle);
    seq.resetTime(now);
    this.fix(done.id);
    seq.completed += 1;
    if (!seq.isProcessing) this.finish(seq, now);
  }

  finish(seq, now) {
    this.stack = this.stack.filter((s) => s !== seq);
    if (seq.exitOnDone) {
      this.hooks.done();
    } else if (this.top) {
      this.top.resume(now);
    }
  }
}
