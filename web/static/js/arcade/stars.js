// stars.js — a game's average rating as five stars (full, half, empty), and
// the words a screen reader hears for it. starIcons() is pure (no DOM): the
// cards, the game page, the scoreboard and the kiosk all draw the same stars,
// and tests/web/js/stars.test.mjs checks its thresholds.
import { h } from '../dom.js';

// For i in 0..4: full when average >= i + 0.75, half when >= i + 0.25, else
// empty. null/undefined/NaN (unrated) is five empty stars.
export function starIcons(average) {
  const a = Number(average);
  const out = [];
  for (let i = 0; i < 5; i++) {
    if (average === null || average === undefined || !Number.isFinite(a)) out.push('empty');
    else if (a >= i + 0.75) out.push('full');
    else if (a >= i + 0.25) out.push('half');
    else out.push('empty');
  }
  return out;
}

// "4.5 of 5 stars, 2 ratings" / "not rated yet".
export function starsLabel(rating) {
  const avg = rating && rating.average;
  const count = Number(rating && rating.count) || 0;
  if (avg === null || avg === undefined || !Number.isFinite(Number(avg)) || count === 0) return 'not rated yet';
  const shown = Math.round(Number(avg) * 10) / 10;
  return `${shown} of 5 stars, ${count} ${count === 1 ? 'rating' : 'ratings'}`;
}

// The stars as an image with a label (role="img"), and the count beside
// them unless { count: false }.
export function starsView(rating, { count = true, className = '' } = {}) {
  const label = starsLabel(rating);
  const icons = starIcons(rating && Number(rating.count) > 0 ? rating.average : null);
  const n = Number(rating && rating.count) || 0;
  return h('span', { class: `stars${className ? ` ${className}` : ''}`, dataset: { stars: icons.join(' ') } },
    h('span', { class: 'stars-icons', role: 'img', 'aria-label': label, title: label },
      icons.map((k) => h('span', { class: `star star-${k}`, 'aria-hidden': 'true' }, '★'))),
    count ? h('span', { class: 'stars-count', 'aria-hidden': 'true' }, n ? `${Number(rating.average).toFixed(1)} (${n})` : 'not rated yet') : null);
}
