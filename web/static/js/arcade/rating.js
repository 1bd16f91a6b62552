// rating.js — the star rating of one game by the signed-in player: a radio
// group of 1 to 5 stars (arrow keys move and choose, as in any radio group),
// saved at once (PUT /api/arcade/games/{id}/rating) and changeable; "Remove
// my rating" (DELETE). When the player may not rate, the API's why_not words
// instead. Used by the game page and by a play's summary.
import { h, uid } from '../dom.js';
import { api } from '../api.js';

function sentence(s) {
  const t = String(s || '').trim();
  if (!t) return t;
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

const starWords = (n) => `${n} ${n === 1 ? 'star' : 'stars'}`;

// rating: the API's {mine, can_rate, why_not, average, count}.
// onSaved(rating): after each change the server took (the new average).
export function ratingWidget(gameId, rating, { onSaved, legend = 'Your rating' } = {}) {
  const url = `/api/arcade/games/${encodeURIComponent(gameId)}/rating`;
  const r = rating || {};
  const may = !!r.can_rate || (r.mine !== null && r.mine !== undefined);
  if (!may) {
    return h('p', { class: 'rating-why-not muted' }, sentence(r.why_not || 'sign in to rate games'));
  }
  const name = uid('stars');
  const status = h('p', { class: 'rating-status small', role: 'status' });
  const error = h('p', { class: 'form-error rating-error', role: 'alert' });
  let mine = r.mine != null ? Number(r.mine) : null;
  const radios = [];
  const labels = [];
  const group = h('div', { class: 'rating-stars' });
  for (let n = 1; n <= 5; n++) {
    const id = `${name}-${n}`;
    const input = h('input', { type: 'radio', name, id, value: String(n), class: 'visually-hidden rating-radio', checked: mine === n });
    const label = h('label', { for: id, class: 'rating-star', title: starWords(n) },
      h('span', { 'aria-hidden': 'true' }, '★'), h('span', { class: 'visually-hidden' }, starWords(n)));
    radios.push(input);
    labels.push(label);
    group.append(input, label);
  }
  const remove = h('button', { type: 'button', class: 'btn-link small rating-remove', hidden: mine == null }, 'Remove my rating');
  const box = h('fieldset', { class: 'rating-widget' },
    h('legend', null, legend), group, status, error, remove);

  function paint(value) {
    labels.forEach((l, i) => l.classList.toggle('on', value != null && i < value));
    for (const x of radios) x.checked = value != null && Number(x.value) === value;
  }
  paint(mine);

  let inflight = false;
  let wanted;            // the value the player chose last (a number, or null: removed)
  async function flush() {
    if (inflight || wanted === undefined) return;
    const value = wanted;
    wanted = undefined;
    inflight = true;
    box.setAttribute('aria-busy', 'true');
    error.textContent = '';
    try {
      const res = value === null ? await api.del(url) : await api.put(url, { stars: value });
      const got = (res && res.rating) || {};
      mine = got.mine != null ? Number(got.mine) : value;
      if (wanted === undefined) {
        status.textContent = value === null ? 'Your rating was removed.' : `Saved: ${starWords(value)}.`;
        remove.hidden = mine == null;
      }
      if (onSaved) onSaved(got);
    } catch (ex) {
      error.textContent = ex.message;
      if (wanted === undefined) paint(mine);
    } finally {
      inflight = false;
      box.removeAttribute('aria-busy');
    }
    flush();
  }

  for (const input of radios) {
    input.addEventListener('change', () => {
      if (!input.checked) return;
      const v = Number(input.value);
      paint(v);
      status.textContent = '';
      wanted = v;
      flush();
    });
  }
  remove.addEventListener('click', () => {
    paint(null);
    wanted = null;
    flush();
  });
  return box;
}
