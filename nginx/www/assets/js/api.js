// The JSON API of memberd, as the pages call it. Cookies carry the session
// (HttpOnly: script never sees them); state-changing calls echo the CSRF
// token the API handed out at login or from /me.

const BASE = '/api/v1';
let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token || null;
}

// Called when the session is found to have ended (401 not_authenticated).
let onSignedOut = null;
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

// An API answer other than 2xx, or no answer at all (status 0).
export class ApiError extends Error {
  constructor(status, code, message, field, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.retryAfter = retryAfter;
  }
}

const GENERIC = {
  400: 'The request was not understood. Reload the page and try again.',
  401: 'Your session has ended. Sign in again.',
  403: 'You are not allowed to do this.',
  404: 'This was not found. It may have been removed.',
  409: 'This conflicts with the current state. Reload the page and try again.',
  413: 'What you sent is too large.',
  422: 'Some of what you entered is not valid.',
  429: 'Too many attempts. Wait a little and try again.',
  500: 'Something went wrong on our side. Please try again in a moment.',
  502: 'The service is not answering right now. Please try again in a moment.',
  503: 'The service is briefly unavailable. Please try again in a moment.',
  504: 'The service took too long to answer. Please try again in a moment.',
};

// call('POST', '/auth/login', {email, password}) -> parsed JSON, or null
// for 204. Throws ApiError.
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch {
    throw new ApiError(0, 'network',
      'The service could not be reached. Check your connection and try again.');
  }
  if (res.status === 204) return null;
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (res.ok) return json;
  const e = (json && json.error) || {};
  if (res.status === 401 && e.code === 'not_authenticated' && onSignedOut) onSignedOut();
  const retry = Number(res.headers.get('Retry-After')) || undefined;
  throw new ApiError(res.status, e.code || `http_${res.status}`,
    e.message || GENERIC[res.status] || `The service answered ${res.status}.`,
    e.field, retry);
}

// Fetch path with Accept: type and hand it to the browser as a download
// named filename (the API wants the session cookie and a header a plain
// link cannot send). Throws ApiError.
export async function download(path, type, filename) {
  let res;
  try {
    res = await fetch(BASE + path, { headers: { Accept: type }, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network',
      'The service could not be reached. Check your connection and try again.');
  }
  if (!res.ok) {
    let e = {};
    try {
      e = (await res.json()).error || {};
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && e.code === 'not_authenticated' && onSignedOut) onSignedOut();
    throw new ApiError(res.status, e.code || `http_${res.status}`, e.message || GENERIC[res.status] || `The service answered ${res.status}.`, e.field);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function waitWords(seconds) {
  if (seconds === 1) return '1 second';
  if (seconds < 90) return `${seconds} seconds`;
  const m = Math.ceil(seconds / 60);
  return m < 90 ? `${m} minutes` : `${Math.ceil(m / 60)} hours`;
}

// The sentence to show for an error, in words a user understands.
export function describe(err) {
  if (!(err instanceof ApiError)) {
    return 'Something went wrong in this page. Reload it and try again.';
  }
  switch (err.code) {
    case 'csrf_failed':
      return 'Your session changed in another window. Reload the page and try again.';
    case 'not_authenticated':
      return 'Your session has ended. Sign in again to continue.';
    case 'internal':
    case 'unavailable':
      return GENERIC[err.status] || GENERIC[500];
    case 'too_many_attempts':
    case 'resend_too_soon':
    case 'invite_limit':
      // the server's own "try again later" gives way to the real wait
      if (err.retryAfter) return `${err.message.replace(/[;,.]?\s*try again later\.?$/i, '.')} Try again in ${waitWords(err.retryAfter)}.`;
      return err.message;
    default:
      if (err.status >= 500 && !err.message) return GENERIC[500];
      return err.message;
  }
}
