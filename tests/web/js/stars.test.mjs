// web.stars: starIcons() (web/static/js/arcade/stars.js), the cards' stars.
// For i in 0..4: full when average >= i + 0.75, half when >= i + 0.25, else empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { starIcons, starsLabel } from '../../../web/static/js/arcade/stars.js';

const F = 'full';
const H = 'half';
const E = 'empty';

test('thresholds', () => {
  assert.deepEqual(starIcons(0), [E, E, E, E, E]);
  assert.deepEqual(starIcons(0.24), [E, E, E, E, E]);
  assert.deepEqual(starIcons(0.25), [H, E, E, E, E]);
  assert.deepEqual(starIcons(0.74), [H, E, E, E, E]);
  assert.deepEqual(starIcons(0.75), [F, E, E, E, E]);
  assert.deepEqual(starIcons(1), [F, E, E, E, E]);
  assert.deepEqual(starIcons(3.2), [F, F, F, E, E]);
  assert.deepEqual(starIcons(3.25), [F, F, F, H, E]);
  assert.deepEqual(starIcons(4.5), [F, F, F, F, H]);
  assert.deepEqual(starIcons(4.74), [F, F, F, F, H]);
  assert.deepEqual(starIcons(4.75), [F, F, F, F, F]);
  assert.deepEqual(starIcons(5), [F, F, F, F, F]);
});

test('unrated and nonsense are five empty stars', () => {
  for (const v of [null, undefined, NaN, 'x', Infinity]) assert.deepEqual(starIcons(v), [E, E, E, E, E], String(v));
  assert.deepEqual(starIcons('4.5'), [F, F, F, F, H]);
});

test('always five icons', () => {
  for (let a = 0; a <= 5; a += 0.01) assert.equal(starIcons(a).length, 5);
});

test('labels', () => {
  assert.equal(starsLabel({ average: 4.5, count: 2 }), '4.5 of 5 stars, 2 ratings');
  assert.equal(starsLabel({ average: 3, count: 1 }), '3 of 5 stars, 1 rating');
  assert.equal(starsLabel({ average: 3.6667, count: 3 }), '3.7 of 5 stars, 3 ratings');
  assert.equal(starsLabel({ average: null, count: 0 }), 'not rated yet');
  assert.equal(starsLabel(null), 'not rated yet');
});
