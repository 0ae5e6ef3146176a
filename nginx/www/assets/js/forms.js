// Forms: errors in words next to the field they concern, a busy state
// while the API works, and a confirmation dialog.
import { describe } from './api.js';
import { h } from './dom.js';

let uid = 0;

// The control an API "field" names: "register.email" -> the form's email.
function controlFor(form, field, aliases) {
  if (!field) return null;
  const names = [field, aliases?.[field], field.split('.').pop()].filter(Boolean);
  for (const n of names) {
    const q = CSS.escape(n);
    const byData = form.querySelector(`[data-field="${q}"], [data-fields~="${q}"]`);
    if (byData) return byData;
    const el = form.elements.namedItem(n);
    if (el instanceof RadioNodeList) return el[0] || null;
    if (el) return el;
  }
  return null;
}

// A field's error goes as soon as the field is changed: every error line
// in the boxes around the control typed in or ticked.
function clearAround(form, target) {
  for (let el = target; el && el !== form; el = el.parentElement) {
    const p = el.querySelector(':scope > .field-error');
    if (p && !p.hidden) {
      p.hidden = true;
      p.textContent = '';
      for (const c of el.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    }
  }
  if (target.removeAttribute) target.removeAttribute('aria-invalid');
}

function watchFixes(form) {
  if (form.dataset.watched) return;
  form.dataset.watched = '1';
  const fixed = (e) => {
    if (e.target instanceof Element && !e.target.matches('button')) clearAround(form, e.target);
  };
  form.addEventListener('input', fixed);
  form.addEventListener('change', fixed);
}

// The error line of a control (created under its .field or fieldset).
function errorLine(control) {
  const box = control.closest('.field, fieldset, [data-field], [data-fields]') || control.parentElement;
  let p = box.querySelector(':scope > .field-error');
  if (!p) {
    p = h('p', { class: 'field-error', id: `err-${++uid}`, hidden: true });
    box.appendChild(p);
  }
  return p;
}

// The form's own alert line, at its top.
function formAlert(form) {
  let a = form.querySelector(':scope > .form-alert');
  if (!a) {
    a = h('div', { class: 'alert alert-error form-alert', role: 'alert', hidden: true });
    form.prepend(a);
  }
  return a;
}

export function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  const a = form.querySelector(':scope > .form-alert');
  if (a) {
    a.hidden = true;
    a.replaceChildren();
  }
}

// Put a message next to a named field, or at the top of the form.
export function fieldError(form, field, message, { focus = true } = {}) {
  const control = controlFor(form, field);
  if (!control) {
    const a = formAlert(form);
    a.replaceChildren(document.createTextNode(message));
    a.hidden = false;
    if (focus) a.scrollIntoView({ block: 'nearest' });
    return;
  }
  watchFixes(form);
  const p = errorLine(control);
  p.textContent = message;
  p.hidden = false;
  const target = control.matches('fieldset, [data-field], [data-fields]')
    ? control.querySelector('input:not([disabled]), button') || control
    : control;
  target.setAttribute('aria-invalid', 'true');
  const ids = new Set((target.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
  ids.add(p.id);
  target.setAttribute('aria-describedby', [...ids].join(' '));
  if (focus) target.focus();
}

// Show an ApiError: next to its field when the form has it. fieldFor maps
// error codes to fields when the API names none (already_member -> email).
export function showError(form, err, fieldFor = {}) {
  const field = err.field || fieldFor[err.code] || null;
  fieldError(form, field, describe(err));
  // locked out by failed sign-ins: a new password is the way back in
  const reset = form.dataset.resetLink;
  if (err.code === 'too_many_attempts' && reset) {
    const a = form.querySelector(':scope > .form-alert');
    if (a && !a.hidden) a.append(' ', h('a', { href: reset }, 'Forgot your password? Choose a new one'));
  }
}

// Run fn with the submit button busy; errors go to showError.
export async function submitting(form, fn, fieldFor) {
  const btn = form.querySelector('[type="submit"]');
  clearErrors(form);
  if (btn) {
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
  }
  try {
    return await fn();
  } catch (err) {
    showError(form, err, fieldFor);
    return undefined;
  } finally {
    if (btn) {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
    }
  }
}

// Trimmed values of the form's named text inputs.
export function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.type === 'checkbox' || el.type === 'radio' || el.type === 'submit') continue;
    out[el.name] = el.type === 'password' ? el.value : el.value.trim();
  }
  return out;
}

// Say which required fields are empty; true when none are.
export function requireFilled(form, names, labels) {
  let ok = true;
  for (const n of names) {
    const el = form.elements.namedItem(n);
    if (el && !el.value.trim()) {
      fieldError(form, n, `Enter ${labels[n] || 'this'}.`, { focus: ok });
      ok = false;
    }
  }
  return ok;
}

// The one modal of the pages: a head (title, an optional line under it),
// a body, then Cancel and the submit button. On submit, check(), when
// given, returns what to run with, or null to stay open (it shows its own
// errors); then run(value) is awaited with the submit button busy. A
// failure goes to fail(err, form), by default an alert at the top of the
// body, and the dialog stays open. Resolves true once run succeeded (or
// at once when there is nothing to run), false on Cancel or Escape.
export function modal({ title, lede, body, confirm, danger = false, cancel = 'Cancel', className, focusCancel = false, check, run, fail }) {
  return new Promise((resolve) => {
    const titleId = `dlg-${++uid}`;
    const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const ok = h('button', { class: danger ? 'btn btn-danger' : 'btn btn-primary', type: 'submit' }, confirm);
    const no = h('button', { class: 'btn', type: 'button' }, cancel);
    const form = h('form', { novalidate: true },
      h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, title), lede ? h('p', { class: 'muted' }, lede) : null),
      // the body scrolls when it must (a phone, 14 checkboxes): by keyboard too
      h('div', { class: 'dialog-body', tabindex: '0', role: 'group', 'aria-labelledby': titleId }, err, ...(Array.isArray(body) ? body : [body])),
      h('div', { class: 'dialog-foot' }, no, ok));
    const dlg = h('dialog', { 'aria-labelledby': titleId, class: className }, form);
    // focus goes back to what opened the dialog (WCAG 2.4.3)
    const opener = document.activeElement;
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(v);
    };
    const failed = fail || ((e2) => {
      err.textContent = describe(e2);
      err.hidden = false;
      ok.focus();
    });
    no.addEventListener('click', () => finish(false));
    dlg.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(false);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.hidden = true;
      const value = check ? await check(form) : true;
      if (value === null || value === undefined || value === false) return;
      if (!run) {
        finish(true);
        return;
      }
      ok.disabled = true;
      ok.setAttribute('aria-busy', 'true');
      try {
        await run(value);
        finish(true);
      } catch (e2) {
        ok.disabled = false;
        ok.removeAttribute('aria-busy');
        failed(e2, form);
      }
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    if (focusCancel) no.focus();
    else (form.querySelector('.dialog-body :is(input, select, textarea, button):not([disabled])') || no).focus();
  });
}

// A modal confirmation. Resolves true when confirmed. run, when given,
// is awaited before closing; its ApiError stays shown in the dialog.
export function confirmDialog({ title, body, confirm, danger = true, cancel = 'Keep', run }) {
  return modal({ title, body, confirm, danger, cancel, run, focusCancel: true });
}
