// Account pages: sign up, log in, password reset, account settings.
import { h, link, field, errorBox, okBox, busy, toast, fmtDate, replace } from '../dom.js';
import { api, setSession, loadSession } from '../api.js';

const USERNAME_RE = /^[A-Za-z0-9_]{3,32}$/;

function nextPath(ctx) {
  const next = ctx.query.get('next') || '';
  // Only local paths, so a crafted link cannot send people elsewhere.
  return next.startsWith('/') && !next.startsWith('//') ? next : '/dashboard';
}

function credentialsForm({ submitText, autocompletePw, onSubmit, withConfirm, usernameHint, passwordHint }) {
  const err = errorBox();
  const user = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', maxlength: '32' });
  const pw = h('input', { type: 'password', name: 'password', autocomplete: autocompletePw, required: true, maxlength: '256' });
  const pw2 = withConfirm ? h('input', { type: 'password', name: 'password2', autocomplete: 'new-password', required: true }) : null;
  const submit = h('button', { type: 'submit', class: 'btn' }, submitText);
  const form = h('form', { novalidate: true }, err,
    field('Username', user, usernameHint),
    field('Password', pw, passwordHint),
    pw2 ? field('Repeat password', pw2) : null,
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    for (const i of [user, pw, pw2]) if (i) i.removeAttribute('aria-invalid');
    const fail = (msg, input) => {
      err.textContent = msg;
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
    };
    const problem = onSubmit.validate ? onSubmit.validate(user.value, pw.value, pw2 && pw2.value) : null;
    if (problem) { fail(problem.message, { user, pw, pw2 }[problem.field]); return; }
    await busy(submit, async () => {
      try {
        await onSubmit(user.value.trim(), pw.value);
      } catch (ex) {
        fail(ex.message, null);
        err.focus?.();
      }
    });
  });
  return { form, user };
}

export async function login(ctx) {
  ctx.title = 'Log in';
  const submit = async (username, password) => {
    const s = await api.post('/api/login', { username, password });
    setSession(s);
    toast(`Welcome back, ${s.user ? s.user.username : username}.`);
    ctx.navigate(nextPath(ctx), { replace: true });
  };
  submit.validate = (u, p) => (!u.trim() ? { field: 'user', message: 'Enter your username.' }
    : !p ? { field: 'pw', message: 'Enter your password.' } : null);
  const { form } = credentialsForm({ submitText: 'Log in', autocompletePw: 'current-password', onSubmit: submit });
  return h('section', { class: 'narrow' },
    h('h1', null, 'Log in'),
    h('div', { class: 'card' }, form),
    h('p', null, 'New here? ', link(`/signup${ctx.query.get('next') ? `?next=${encodeURIComponent(ctx.query.get('next'))}` : ''}`, 'Create an account'), '.'),
    h('p', null, 'Forgot your password? ', link('/reset', 'Reset it'), '.'));
}

export async function signup(ctx) {
  ctx.title = 'Sign up';
  const submit = async (username, password) => {
    const s = await api.post('/api/signup', { username, password });
    setSession(s);
    toast(`Welcome to Codefights, ${username}!`);
    ctx.navigate(ctx.query.get('next') ? nextPath(ctx) : '/bots/new', { replace: true });
  };
  submit.validate = (u, p, p2) => {
    if (!USERNAME_RE.test(u.trim())) return { field: 'user', message: 'Usernames are 3 to 32 letters, digits or underscores.' };
    if (p.length < 8) return { field: 'pw', message: 'Passwords need at least 8 characters.' };
    if (p !== p2) return { field: 'pw2', message: 'The two passwords differ.' };
    return null;
  };
  const { form } = credentialsForm({
    submitText: 'Create account', autocompletePw: 'new-password', onSubmit: submit, withConfirm: true,
    usernameHint: '3 to 32 letters, digits or underscores.', passwordHint: 'At least 8 characters.',
  });
  return h('section', { class: 'narrow' },
    h('h1', null, 'Create an account'),
    h('div', { class: 'card' }, form),
    h('p', null, 'Already have one? ', link('/login', 'Log in'), '.'));
}

// Two steps: ask for a reset (an operator hands over the link, there is no
// e-mail), then set a new password with the token from the link.
export async function reset(ctx) {
  ctx.title = 'Reset password';
  const token = ctx.query.get('token') || '';

  const askErr = errorBox();
  const askOk = okBox();
  const askUser = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true });
  const askBtn = h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Request a reset');
  const ask = h('form', { novalidate: true }, askErr, askOk, field('Username', askUser), askBtn);
  ask.addEventListener('submit', async (e) => {
    e.preventDefault();
    askErr.textContent = ''; askOk.textContent = '';
    if (!askUser.value.trim()) { askErr.textContent = 'Enter your username.'; askUser.focus(); return; }
    await busy(askBtn, async () => {
      try {
        await api.post('/api/password-reset', { username: askUser.value.trim() });
        askOk.textContent = 'Requested. The operator of this site has your one-time reset link (valid one hour): ask them for it, then enter its token below.';
      } catch (ex) { askErr.textContent = ex.message; }
    });
  });

  const err = errorBox();
  const ok = okBox();
  const tok = h('input', { type: 'text', name: 'token', required: true, autocomplete: 'off', value: token, spellcheck: 'false' });
  const pw = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password', required: true });
  const pw2 = h('input', { type: 'password', name: 'new_password2', autocomplete: 'new-password', required: true });
  const btn = h('button', { type: 'submit', class: 'btn' }, 'Set new password');
  const form = h('form', { novalidate: true }, err, ok,
    field('Reset token', tok, 'The token from the link the operator gave you.'),
    field('New password', pw, 'At least 8 characters.'),
    field('Repeat new password', pw2), btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = ''; ok.textContent = '';
    if (!tok.value.trim()) { err.textContent = 'Enter the reset token.'; tok.focus(); return; }
    if (pw.value.length < 8) { err.textContent = 'Passwords need at least 8 characters.'; pw.focus(); return; }
    if (pw.value !== pw2.value) { err.textContent = 'The two passwords differ.'; pw2.focus(); return; }
    await busy(btn, async () => {
      try {
        await api.post('/api/password-reset/confirm', { token: tok.value.trim(), new_password: pw.value });
        setSession({ user: null, csrf_token: '' });
        await loadSession().catch(() => {});
        replace(ok, 'Your password is set. ', link('/login', 'Log in with it'), '.');
        form.reset();
      } catch (ex) { err.textContent = ex.message; }
    });
  });

  return h('section', { class: 'narrow' },
    h('h1', null, 'Reset your password'),
    token ? null : h('div', { class: 'card' }, h('h2', null, '1. Ask for a reset link'), ask),
    h('div', { class: 'card' }, h('h2', null, token ? 'Choose a new password' : '2. Set a new password'), form));
}

export async function account(ctx) {
  ctx.title = 'Account';
  const acc = await api.get('/api/account');

  const err = errorBox();
  const ok = okBox();
  const about = h('textarea', { name: 'about', maxlength: '500', rows: '4' });
  about.value = acc.about || '';
  about.style.minHeight = '6rem';
  const pub = h('input', { type: 'checkbox', id: 'pubdefault', name: 'fights_public_default', checked: !!acc.fights_public_default });
  const saveBtn = h('button', { type: 'submit', class: 'btn' }, 'Save settings');
  const settings = h('form', { novalidate: true }, err, ok,
    field('About you', about, 'Shown with your name; up to 500 characters.'),
    h('div', { class: 'choice field' }, pub, h('label', { for: 'pubdefault' }, 'Make the fights I host public by default')),
    saveBtn);
  settings.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = ''; ok.textContent = '';
    await busy(saveBtn, async () => {
      try {
        await api.patch('/api/account', { about: about.value, fights_public_default: pub.checked });
        ok.textContent = 'Settings saved.';
      } catch (ex) { err.textContent = ex.message; }
    });
  });

  const perr = errorBox();
  const pok = okBox();
  const cur = h('input', { type: 'password', autocomplete: 'current-password', required: true, name: 'current_password' });
  const npw = h('input', { type: 'password', autocomplete: 'new-password', required: true, name: 'new_password' });
  const npw2 = h('input', { type: 'password', autocomplete: 'new-password', required: true, name: 'new_password2' });
  const pwBtn = h('button', { type: 'submit', class: 'btn' }, 'Change password');
  const pwForm = h('form', { novalidate: true }, perr, pok,
    field('Current password', cur), field('New password', npw, 'At least 8 characters. Your other sessions will be logged out.'),
    field('Repeat new password', npw2), pwBtn);
  pwForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    perr.textContent = ''; pok.textContent = '';
    if (!cur.value) { perr.textContent = 'Enter your current password.'; cur.focus(); return; }
    if (npw.value.length < 8) { perr.textContent = 'Passwords need at least 8 characters.'; npw.focus(); return; }
    if (npw.value !== npw2.value) { perr.textContent = 'The two new passwords differ.'; npw2.focus(); return; }
    await busy(pwBtn, async () => {
      try {
        await api.post('/api/account/password', { current_password: cur.value, new_password: npw.value });
        pok.textContent = 'Password changed.';
        pwForm.reset();
      } catch (ex) { perr.textContent = ex.status === 401 ? 'The current password is wrong.' : ex.message; }
    });
  });

  return h('section', null,
    h('h1', null, 'Account'),
    h('div', { class: 'grid grid-2' },
      h('div', { class: 'card' },
        h('h2', null, 'Your account'),
        h('dl', { class: 'facts' },
          h('dt', null, 'Username'), h('dd', null, acc.username),
          h('dt', null, 'Member since'), h('dd', null, fmtDate(acc.created_at))),
        settings),
      h('div', { class: 'card' }, h('h2', null, 'Change password'), pwForm)));
}
