// web.kiosk: the kiosk's pure rules (web/static/js/pages/kiosk.js): ?hold=
// and which running play comes next. The page itself, live against a real
// stack, is web.e2e_kiosk (tests/web/e2e/kiosk_flow.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHold, nextPlay, HOLD_DEFAULT } from '../../../web/static/js/pages/kiosk.js';

test('?hold=: whole seconds 5..3600, out of range the nearest bound, else 30', () => {
  assert.equal(HOLD_DEFAULT, 30);
  assert.equal(parseHold(null), 30);
  assert.equal(parseHold(''), 30);
  assert.equal(parseHold('abc'), 30);
  assert.equal(parseHold('12.5'), 30);
  assert.equal(parseHold('-7'), 30);
  assert.equal(parseHold('0'), 5);
  assert.equal(parseHold('4'), 5);
  assert.equal(parseHold('5'), 5);
  assert.equal(parseHold('45'), 45);
  assert.equal(parseHold('3600'), 3600);
  assert.equal(parseHold('3601'), 3600);
  assert.equal(parseHold('99999999999999999999'), 3600);
});

const play = (id) => ({ id, game: { id: 1, title: 'G' }, player: null });

test('nothing runs: null', () => {
  assert.equal(nextPlay([]), null);
  assert.equal(nextPlay(undefined), null);
  assert.equal(nextPlay([play('a')], { exclude: 'a' }), null);
});

test('the newest play not shown yet comes first', () => {
  const running = [play('c'), play('b'), play('a')]; // newest first
  assert.equal(nextPlay(running).id, 'c');
  const shown = new Map([['c', 100]]);
  assert.equal(nextPlay(running, { exclude: 'c', shown }).id, 'b');
});

test('all shown: the one shown longest ago (two plays take turns)', () => {
  const running = [play('b'), play('a')];
  const shown = new Map();
  let current = null;
  const seen = [];
  for (let t = 1; t <= 6; t++) {
    const next = nextPlay(running, { exclude: current, shown, now: t });
    shown.set(next.id, t);
    current = next.id;
    seen.push(current);
  }
  assert.deepEqual(seen, ['b', 'a', 'b', 'a', 'b', 'a']);
});

test('three plays rotate through all of them', () => {
  const running = [play('c'), play('b'), play('a')];
  const shown = new Map();
  let current = null;
  const seen = [];
  for (let t = 1; t <= 6; t++) {
    current = nextPlay(running, { exclude: current, shown, now: t }).id;
    shown.set(current, t);
    seen.push(current);
  }
  assert.deepEqual(seen, ['c', 'b', 'a', 'c', 'b', 'a']);
});

test('a play whose stream was refused waits a minute', () => {
  const running = [play('b'), play('a')];
  const refused = new Map([['b', 1000]]);
  assert.equal(nextPlay(running, { refused, now: 1000 + 59999 }).id, 'a');
  assert.equal(nextPlay(running, { refused, now: 1000 + 60000 }).id, 'b');
  assert.equal(nextPlay([play('b')], { refused, now: 2000 }), null);
});
