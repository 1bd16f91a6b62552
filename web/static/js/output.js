// output.js — beside a replay, what the reader's own bots printed, by tick
// (issue 17): GET /api/fights/{id}/output, each tick's text in a list, the
// replay's current tick (replay.js passes it on) marked and scrolled into
// view inside the list, never the page. Only a bot's owner gets the output
// (the API answers 403 to anyone else), so the panel exists only for a
// reader who plays in the fight.
import { h, replace } from './dom.js';
import { api } from './api.js';
import { playerLabel } from './views.js';

// Does the reader play in this fight? The API gives a player's log to its
// owner only.
export function readerPlays(fight) {
  return (fight.players || []).some((p) => typeof p.log === 'string');
}

function lines(text) {
  const n = text.replace(/\n$/, '').split('\n').length;
  return n === 1 ? '1 line' : `${n} lines`;
}

// The panel for fight; {node, setTick(tick)}. It loads by itself.
export function outputPanel(fight) {
  const now = h('p', { class: 'output-now small' });
  const body = h('div', { class: 'output-body' }, h('p', { class: 'loading', role: 'status' }, 'Loading the output…'));
  const node = h('section', { class: 'output-panel', 'aria-labelledby': `output-title-${fight.id}` },
    h('h3', { id: `output-title-${fight.id}` }, 'Output'),
    h('p', { class: 'muted small' }, 'Only you see this: what your bot printed, at the tick it printed it.'),
    now, body);
  let lists = []; // [{list, byTick: Map(tick -> li)}]
  let tick = null;

  function show() {
    let printed = 0;
    for (const { list, byTick } of lists) {
      for (const li of list.querySelectorAll('li.current')) {
        li.classList.remove('current');
        li.removeAttribute('aria-current');
      }
      const li = tick === null ? null : byTick.get(tick);
      if (!li) continue;
      li.classList.add('current');
      li.setAttribute('aria-current', 'true');
      printed += 1;
      // Inside the list only: the page stays where the reader put it.
      list.scrollTop = Math.max(0, li.offsetTop - list.clientHeight / 3);
    }
    if (tick === null) now.textContent = 'Set-up: step the replay to a tick to see what was printed at it.';
    else if (!lists.length) now.textContent = `Tick ${tick}.`;
    else now.textContent = printed ? `Tick ${tick}: printed (marked below).` : `Tick ${tick}: nothing printed.`;
  }

  function render(data, fightPlayers) {
    const players = (data.players || []).filter((p) => Array.isArray(p.output));
    if (!players.some((p) => p.output.length)) {
      lists = [];
      replace(body, h('p', { class: 'empty' }, 'Your bot printed nothing in this fight.'));
      show();
      return;
    }
    lists = players.map((p) => {
      const who = playerLabel(fightPlayers[p.slot] || {}) || `Player ${p.slot + 1}`;
      const byTick = new Map();
      const items = p.output.map(([t, text]) => {
        const li = h('li', { dataset: { tick: String(t) } },
          h('span', { class: 'output-tick' }, `tick ${t}`, h('span', { class: 'muted' }, ` · ${lines(text)}`)),
          h('pre', null, text.replace(/\n$/, '')));
        byTick.set(t, li);
        return li;
      });
      const list = h('ol', { class: 'output-list', tabindex: '0', 'aria-label': `What ${who} printed, by tick` }, items);
      return { list, byTick, who, empty: !items.length };
    });
    replace(body, lists.map(({ list, who, empty }) => h('div', { class: 'output-player' },
      lists.length > 1 ? h('h4', null, who) : null,
      empty ? h('p', { class: 'empty' }, 'Nothing printed.') : list)));
    show();
  }

  api.get(`/api/fights/${encodeURIComponent(fight.id)}/output`)
    .then((data) => render(data, fight.players || []))
    .catch((ex) => replace(body, h('p', { class: 'form-error' }, `The output could not be loaded: ${ex.message}`)));

  return {
    node,
    setTick(t) {
      tick = Number.isInteger(t) ? t : null;
      show();
    },
  };
}
