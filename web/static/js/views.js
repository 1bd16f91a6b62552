// views.js — pieces several pages share: fight lists, state chips, verdict
// words, the settings form generated from a game's settings spec.
import { h, link, chip, fmtDate, fmtShort } from './dom.js';

export const STATE_TEXT = {
  open: 'Open', queued: 'Queued', simulating: 'Simulating', finished: 'Finished',
  failed: 'Failed', cancelled: 'Cancelled',
};

export function stateChip(state, tick) {
  const text = STATE_TEXT[state] || state || 'unknown';
  const label = state === 'simulating' && tick != null ? `${text} · tick ${tick}` : text;
  return chip(label, state);
}

// Human words for the report's verdicts (docs/cf-fight.md), when the API sends no verdict_text.
export const VERDICT_TEXT = {
  ok: 'ran normally',
  timeout: 'took too long to answer (time limit exceeded)',
  cpu_time: 'used too much CPU time (CPU limit exceeded)',
  memory: 'memory limit exceeded',
  illegal: 'did something forbidden (illegal system call or action)',
  crashed: 'crashed (exited or raised an error)',
  bad_output: 'broke the protocol (bad output)',
  killed: 'was killed by a signal',
};

export const VERDICT_SHORT = {
  ok: 'OK', timeout: 'Timeout', cpu_time: 'CPU limit', memory: 'Memory limit', illegal: 'Illegal',
  crashed: 'Crashed', bad_output: 'Bad output', killed: 'Killed',
};

// A verdict's detail as shown: the memory limit in the games' docs' units
// (bytes, with KiB or MiB beside). Fights stored before the simulator said
// it so read "memory limit of 68360 KB exceeded"; the KB there are KiB.
export function detailText(detail) {
  return String(detail ?? '').replace(/memory limit of (\d+) KB exceeded/, (_, kb) => {
    const k = Number(kb);
    const group = (n) => n.toLocaleString('en-US');
    return `memory limit of ${group(k * 1024)} bytes (${k % 1024 === 0 ? `${k / 1024} MiB` : `${group(k)} KiB`}) exceeded`;
  });
}

export function verdictText(p) {
  if (!p.verdict) return '';
  return p.verdict_text || VERDICT_TEXT[p.verdict] || p.verdict;
}

export function resultText(r) {
  if (r == null || r === '') return '—';
  const map = { win: 'Win', loss: 'Loss', draw: 'Draw', W: 'Win', L: 'Loss', D: 'Draw' };
  if (map[r]) return map[r];
  if (/^\d+$/.test(String(r))) return `Rank ${r}`;
  return String(r);
}

export function resultChip(r) {
  const t = resultText(r);
  const kind = { Win: 'win', Loss: 'loss', Draw: 'draw' }[t] || 'plain';
  return chip(t, kind);
}

// A fight with no host was injected into cf:fights by hand (docs/streams.md):
// a system fight. Its players are the entry's names, not house bots.
export const SYSTEM_FIGHT_TEXT = 'System fight';
export function isSystemFight(f) { return f.host === null || f.host === undefined; }
export function fightTitle(f) {
  return isSystemFight(f) ? `${gameTitle(f.game)} fight` : `${gameTitle(f.game)} by ${f.host}`;
}

// A fight the ladder's scheduler made (fights' "ladder"): rated when it ends.
export const LADDER_FIGHT_TEXT = 'Ladder fight';
export function ladderChip() {
  return h('span', { class: 'chip chip-ladder', title: 'Made by the ladder: its result moves the players\' ratings' }, LADDER_FIGHT_TEXT);
}

export function playerLabel(p) {
  const who = p.username === 'house' || p.house ? 'House bot' : p.username;
  return p.bot ? `${who} · ${p.bot}` : who;
}

// A table of fights (FightSummary); stacks into cards on phones.
export function fightTable(list, { empty = 'No fights yet.', caption } = {}) {
  if (!list || list.length === 0) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list stack-sm' },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Fight'), h('th', { scope: 'col' }, 'Players'),
      h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'When'))),
    h('tbody', null, list.map((f) => h('tr', { dataset: { fight: f.id } },
      // One child: on phones the cell is a flex row, and the chips wrap with the title.
      h('td', { 'data-label': 'Fight' }, h('span', null, link(`/fights/${f.id}`, fightTitle(f)),
        f.ladder ? [' ', ladderChip()] : isSystemFight(f) ? [' ', h('span', { class: 'chip chip-system', title: 'Injected into the simulators\' queue by an operator, not hosted on the site' }, SYSTEM_FIGHT_TEXT)] : null,
        f.public === false ? h('span', { class: 'muted small' }, ' (private)') : null)),
      h('td', { 'data-label': 'Players' }, playersLine(f.players, isSystemFight(f) && !f.ladder)),
      h('td', { 'data-label': 'State', class: 'state-cell' }, stateChip(f.state)),
      h('td', { 'data-label': 'When', class: 'when' }, h('time', { datetime: f.finished_at || f.created_at, title: fmtDate(f.finished_at || f.created_at) }, fmtShort(f.finished_at || f.created_at))))))));
}

function playersLine(players, system) {
  if (!players || players.length === 0) return '—';
  return h('ul', { class: 'players-line' }, players.map((p) => h('li', null,
    system ? p.bot || '—' : playerLabel(p), p.result ? [' ', resultChip(p.result)] : null)));
}

// Game titles for lists: filled once the catalogue is loaded.
const titles = new Map();
export function rememberGames(list) { for (const g of list) titles.set(g.name, g.title); }
export function gameTitle(name) { return titles.get(name) || name; }

export const CONCLUSION_TEXT = {
  victory_draw: 'Victory or draw: each player wins, loses or draws',
  rank: 'Ranking: players are ranked, ties share a rank',
};

export function playerCount(g) {
  return g.min_players === g.max_players ? `${g.min_players} players` : `${g.min_players}–${g.max_players} players`;
}

// Inputs for the settings a host may change; returns {node, read()}.
// read() returns {settings} or {error, input}.
export function settingsForm(settings) {
  const editable = (settings || []).filter((s) => s.user);
  const inputs = [];
  const node = editable.length === 0
    ? h('p', { class: 'muted' }, 'This game has no settings to choose.')
    : h('div', { class: 'grid grid-2' }, editable.map((s) => {
      const id = `setting-${s.key}`;
      const input = h('input', {
        id, name: s.key, type: 'number', inputmode: 'numeric', step: '1',
        min: String(s.min), max: String(s.max), value: String(s.default), required: true,
        'aria-describedby': `${id}-hint`,
      });
      inputs.push([s, input]);
      return h('div', { class: 'field' },
        h('label', { for: id }, s.label || s.key),
        input,
        h('span', { class: 'hint', id: `${id}-hint` }, `From ${s.min} to ${s.max} (default ${s.default})`));
    }));
  const read = () => {
    const out = {};
    for (const [s, input] of inputs) {
      input.removeAttribute('aria-invalid');
      const v = Number(input.value);
      if (input.value.trim() === '' || !Number.isInteger(v) || v < s.min || v > s.max) {
        input.setAttribute('aria-invalid', 'true');
        return { error: `${s.label || s.key} must be a whole number from ${s.min} to ${s.max}.`, input };
      }
      if (v !== s.default) out[s.key] = v;
    }
    return { settings: out };
  };
  return { node, read };
}

// <select> of the user's bots for a game; a link to upload one when none.
export function botSelect(bots, { id = 'bot', label = 'Your bot', game } = {}) {
  if (!bots.length) {
    return {
      node: h('p', { class: 'form-error', role: 'note' }, 'You have no bot for this game yet. ',
        link(game ? `/bots/new?game=${encodeURIComponent(game)}` : '/bots/new', 'Upload a bot first')),
      select: null,
    };
  }
  const select = h('select', { id, name: 'bot_id', required: true },
    bots.map((b) => h('option', { value: b.id }, `${b.name} (v${b.latest_version})`)));
  return { node: h('div', { class: 'field' }, h('label', { for: id }, label), select), select };
}

// ---- the arcade ----

// The inputs a game says it supports (its badges), in this order.
export const INPUT_KINDS = ['keys', 'touch', 'acceleration', 'gyro'];
export const INPUT_TEXT = { keys: 'Keyboard', touch: 'Touch', acceleration: 'Tilt', gyro: 'Gyroscope' };

export function inputBadges(inputs) {
  const list = INPUT_KINDS.filter((k) => (inputs || []).includes(k));
  if (!list.length) return null;
  return h('ul', { class: 'badges', 'aria-label': 'Inputs' },
    list.map((k) => h('li', null, h('span', { class: `chip chip-input chip-input-${k}` }, INPUT_TEXT[k]))));
}

export const PLAY_STATUS_TEXT = {
  queued: 'Waiting', running: 'Running', finished: 'Finished', stopped: 'Stopped', failed: 'Failed',
};

export function playStatusChip(status) {
  return chip(PLAY_STATUS_TEXT[status] || status || 'unknown', status);
}

// Scores are numbers (the game's report_score); a few digits after the point at most.
export function fmtScore(score) {
  if (score === null || score === undefined || score === '') return '—';
  const n = Number(score);
  if (!Number.isFinite(n)) return String(score);
  return n.toLocaleString(undefined, { maximumFractionDigits: 2 });
}

// A confirmation in a modal <dialog> (focus trapped, Escape cancels, focus
// back where it was): resolves true when confirmed. The dialog is removed
// afterwards, with its listeners.
export function confirmDialog({ title, message, confirm = 'Delete', cancel = 'Cancel', danger = true }) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const titleId = `confirm-title-${Date.now()}`;
    const yes = h('button', { type: 'submit', value: 'yes', class: `btn${danger ? ' btn-danger' : ''}` }, confirm);
    const no = h('button', { type: 'submit', value: 'no', class: 'btn btn-secondary', autofocus: true }, cancel);
    const dialog = h('dialog', { class: 'confirm-dialog', 'aria-labelledby': titleId, role: 'alertdialog' },
      h('form', { method: 'dialog' },
        h('h2', { id: titleId }, title),
        (Array.isArray(message) ? message : [message]).map((m) => h('p', null, m)),
        h('div', { class: 'row' }, no, yes)));
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'yes';
      dialog.remove();
      if (back && typeof back.focus === 'function' && document.contains(back)) back.focus();
      resolve(ok);
    }, { once: true });
    document.body.appendChild(dialog);
    dialog.showModal();
    no.focus();
  });
}
