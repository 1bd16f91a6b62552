// prompts.js — what the game says to the player: notifications (a list that
// fades items out after their display time), alerts and input prompts
// (modal dialogs, one at a time, in the order they came).
//
// Interactive: dialogs are native <dialog>s opened with showModal(), so focus
// moves in and stays in, Escape cancels, Enter sends; the answer goes back
// as `input_response` / `alert_confirm` with the prompt's own time_stamp,
// which is how the Python side matches it.
// Watching (not interactive): the same questions are listed read-only until
// the player's answer (or cancel_user_input) arrives, or the watcher hides
// them.
import { h, uid } from '../dom.js';
import { epochSeconds, num } from './util.js';

const INPUT_TYPES = new Set(['text', 'number', 'date', 'datetime-local', 'time', 'select']);
const NOTE_KINDS = new Set(['success', 'error', 'warn']);
// Notifications without a display time stay until dismissed; a game that
// prints in a loop must not grow the page without bound.
const MAX_NOTES = 50;

function messageText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function clockText(timeStamp) {
  const seconds = num(timeStamp);
  const date = new Date(seconds !== undefined && seconds > 1e9 ? seconds * 1000 : Date.now());
  return date.toLocaleTimeString();
}

// {notes, dialogHost, interactive, emit}
export function createPrompts({ notes, dialogHost, interactive, emit }) {
  let items = []; // notifications: {msg, el, timer}
  const queue = []; // alerts and prompts waiting: {kind, msg}
  let open; // the one shown: {kind, msg, el, answered, displayedAt}
  const waiting = h('div', { class: 'cf-arcade-waiting', role: 'status', hidden: true });
  const closeAll = h('button', { type: 'button', class: 'cf-note-all', hidden: true, onclick: () => clearNotes() }, 'Close all');
  const list = h('div', { class: 'cf-note-list' });
  notes.append(waiting, closeAll, list);

  // --- notifications -----------------------------------------------------

  function notify(msg) {
    if (msg.alert) {
      enqueue('alert', msg);
      return;
    }
    const kind = NOTE_KINDS.has(msg.notification_type) ? msg.notification_type : 'info';
    const item = { msg, el: undefined, timer: undefined };
    item.el = h('div', { class: `cf-note cf-note-${kind}` },
      h('div', { class: 'cf-note-head' },
        h('time', null, clockText(msg.time_stamp)),
        h('button', { type: 'button', class: 'cf-note-close', 'aria-label': 'Dismiss notification', onclick: () => dismiss(item) }, '×')),
      h('pre', { class: 'cf-note-text' }, messageText(msg.message)));
    const time = num(msg.time);
    if (time !== undefined && time > 0) item.timer = setTimeout(() => dismiss(item), time);
    items.unshift(item);
    list.prepend(item.el);
    while (items.length > MAX_NOTES) dismiss(items[items.length - 1]);
    updateCloseAll();
  }

  function dismiss(item) {
    clearTimeout(item.timer);
    item.el.remove();
    items = items.filter((i) => i !== item);
    updateCloseAll();
  }

  function clearNotes() {
    items.slice().forEach(dismiss);
  }

  function updateCloseAll() {
    closeAll.hidden = items.length < 2;
    notes.hidden = items.length === 0 && waiting.childElementCount === 0;
  }

  // --- alerts and prompts ------------------------------------------------

  function prompt(msg) {
    enqueue('prompt', msg);
  }

  function enqueue(kind, msg) {
    if (!interactive) {
      showReadOnly(kind, msg);
      return;
    }
    queue.push({ kind, msg });
    if (!open) showNext();
  }

  function showNext() {
    const next = queue.shift();
    if (!next) return;
    const entry = { ...next, answered: false, displayedAt: epochSeconds() };
    entry.el = next.kind === 'alert' ? alertDialog(entry) : promptDialog(entry);
    open = entry;
    dialogHost.append(entry.el);
    // Closed some other way (e.g. a second Escape the browser enforces): that
    // is a cancel too.
    entry.el.addEventListener('close', () => finish(entry, undefined, true));
    try {
      entry.el.showModal();
    } catch {
      entry.el.setAttribute('open', '');
    }
  }

  // Sends the answer (once), closes the dialog, shows the next one.
  function finish(entry, response, cancelled) {
    if (!entry || entry !== open || entry.answered) return;
    entry.answered = true;
    const reply = {
      type: entry.kind === 'alert' ? 'alert_confirm' : 'input_response',
      time_stamp: entry.msg.time_stamp,
      displayed_at: entry.displayedAt,
    };
    if (entry.msg.response_id !== undefined) reply.caller_id = entry.msg.response_id;
    if (entry.kind === 'prompt' && !cancelled) reply.response = response;
    emit(reply);
    closeOpen();
  }

  function closeOpen() {
    const entry = open;
    open = undefined;
    if (entry) {
      entry.answered = true;
      if (entry.el.open) entry.el.close();
      entry.el.remove();
    }
    showNext();
  }

  function promptDialog(entry) {
    const msg = entry.msg;
    const type = INPUT_TYPES.has(msg.input_type) ? msg.input_type : msg.input_type === 'datetime' ? 'datetime-local' : 'text';
    const options = Array.isArray(msg.options) ? msg.options.map(messageText) : [];
    const inputId = uid('cf-answer');
    const labelId = `${inputId}-label`;
    const control = type === 'select' && options.length > 0
      ? h('select', { id: inputId, class: 'cf-dialog-input' }, options.map((o) => h('option', { value: o }, o)))
      : h('input', { id: inputId, class: 'cf-dialog-input', type: type === 'select' ? 'text' : type, autocomplete: 'off', step: type === 'number' ? 'any' : undefined });
    control.autofocus = true;
    const form = h('form', { class: 'cf-dialog-form', novalidate: true },
      h('label', { for: inputId, id: labelId, class: 'cf-dialog-question' }, messageText(msg.question)),
      control,
      h('div', { class: 'cf-dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => finish(entry, undefined, true) }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn' }, 'Send')));
    // The original sent what was typed, as text, or '' when nothing was.
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      finish(entry, control.value ?? '', false);
    });
    const dialog = h('dialog', { class: 'cf-arcade-dialog', 'aria-labelledby': labelId }, form);
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(entry, undefined, true);
    });
    return dialog;
  }

  function alertDialog(entry) {
    const textId = uid('cf-alert');
    const ok = h('button', { type: 'button', class: 'btn', onclick: () => finish(entry, undefined, true) }, 'OK');
    ok.autofocus = true;
    const dialog = h('dialog', { class: 'cf-arcade-dialog', role: 'alertdialog', 'aria-labelledby': textId },
      h('p', { id: textId, class: 'cf-dialog-message' }, messageText(entry.msg.message)),
      h('div', { class: 'cf-dialog-actions' }, ok));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(entry, undefined, true);
    });
    return dialog;
  }

  // --- watchers ----------------------------------------------------------

  function showReadOnly(kind, msg) {
    const options = kind === 'prompt' && Array.isArray(msg.options) && msg.options.length > 0
      ? h('ul', { class: 'cf-waiting-options' }, msg.options.map((o) => h('li', null, messageText(o)))) : null;
    const el = h('div', { class: 'cf-waiting-item', dataset: { kind } },
      h('p', { class: 'cf-waiting-label' }, kind === 'alert' ? 'Message to the player' : 'Question to the player'),
      h('p', { class: 'cf-waiting-text' }, messageText(kind === 'alert' ? msg.message : msg.question)),
      options,
      h('p', { class: 'cf-waiting-note' }, kind === 'alert' ? 'Waiting for the player to confirm…' : 'Waiting for the player’s answer…'),
      h('button', { type: 'button', class: 'cf-note-close', 'aria-label': 'Hide', onclick: () => removeWaiting(el) }, '×'));
    el.timeStamp = msg.time_stamp;
    waiting.append(el);
    waiting.hidden = false;
    updateCloseAll();
  }

  function removeWaiting(el) {
    el.remove();
    waiting.hidden = waiting.childElementCount === 0;
    updateCloseAll();
  }

  // The answer was given elsewhere (cancel_user_input from the server, or the
  // player's input_response / alert_confirm relayed to a watcher): close the
  // matching prompt or alert without answering it.
  function withdraw(timeStamp, inputType) {
    const ts = num(timeStamp);
    if (ts === undefined) return;
    const matches = (msg) => num(msg.time_stamp) === ts;
    for (const el of Array.from(waiting.children)) if (num(el.timeStamp) === ts) removeWaiting(el);
    for (let i = queue.length - 1; i >= 0; i -= 1) if (matches(queue[i].msg)) queue.splice(i, 1);
    if (open && matches(open.msg)) closeOpen();
    if (inputType === 'notification') items.filter((i) => matches(i.msg)).forEach(dismiss);
  }

  function clear() {
    clearNotes();
    queue.length = 0;
    Array.from(waiting.children).forEach(removeWaiting);
    if (open) {
      const entry = open;
      open = undefined;
      entry.answered = true;
      if (entry.el.open) entry.el.close();
      entry.el.remove();
    }
  }

  return {
    notify,
    prompt,
    withdraw,
    clear,
    // A modal of ours is open: game keys are not for the game then.
    get isOpen() { return !!open; },
    destroy() {
      clear();
      waiting.remove();
      closeAll.remove();
      list.remove();
    },
  };
}
