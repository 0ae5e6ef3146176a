// The API's description (docs/openapi.json) as the tests hold memberd to
// it: checkResponse() throws when an answer's status is not documented
// for its path and method, when its body does not match the documented
// schema, or when a header the document calls required is missing.
// tests/lib/client.mjs and stack.api() call it on every answer they get.
//
// What is checked where the document has no operation:
// - a path the document does not list and outside /api/ is a page of the
//   portal (nginx serves it): not the API, not checked (/metrics is
//   listed, so it is checked);
// - a path under /api/ that matches no documented path must answer the
//   document's UnknownPath response (404 not_found), or UriTooLong (414,
//   nginx, before any routing);
// - a documented path with a method it does not take must answer
//   MethodNotAllowed (405 with Allow); HEAD is checked as GET without a
//   body.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DOC_PATH = path.join(REPO, 'docs/openapi.json');
export const doc = JSON.parse(fs.readFileSync(DOC_PATH, 'utf8'));

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
// The keywords OpenAPI adds to JSON Schema, and the members of the
// document: the whole document is one schema "openapi", so that its own
// "#/components/..." references resolve, and each response schema is
// compiled as {$ref: "openapi#/<pointer>"}.
ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs',
  ...Object.keys(doc).filter((k) => !k.startsWith('$'))]);
ajv.addSchema({ ...doc, $id: 'openapi' });

const pointer = (parts) => '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

// components.responses.X for {$ref: "#/components/responses/X"}
function deref(o) {
  let cur = o;
  while (cur && cur.$ref) {
    const parts = cur.$ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    cur = parts.reduce((x, k) => (x == null ? undefined : x[k]), doc);
  }
  return cur;
}

const compiled = new Map();
function validatorAt(parts) {
  const key = pointer(parts);
  if (!compiled.has(key)) compiled.set(key, ajv.compile({ $ref: `openapi#${key}` }));
  return compiled.get(key);
}

// Documented paths as regular expressions: {param} is a positive integer
// in memberd's routes (routes.c); anything else is a literal.
const templates = Object.keys(doc.paths).map((t) => ({
  t,
  re: new RegExp('^' + t.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[1-9][0-9]{0,17}') + '$'),
}));

export function matchPath(p) {
  return templates.find(({ re }) => re.test(p))?.t ?? null;
}

// Where the response object of this answer lives: ['paths', t, m,
// 'responses', status] or ['components', 'responses', Name], or an error.
function responseFor(method, p, status) {
  const t = matchPath(p);
  if (t === null) {
    if (!p.startsWith('/api/')) return { skip: true };
    if (status === 404) return { where: ['components', 'responses', 'UnknownPath'] };
    if (status === 414) return { where: ['components', 'responses', 'UriTooLong'] };
    return { error: `${method} ${p} matches no documented path, and answered ${status}, not 404 or 414` };
  }
  const m = method === 'HEAD' ? 'get' : method.toLowerCase();
  const item = doc.paths[t];
  if (!item[m]) {
    if (status === 405) return { where: ['components', 'responses', 'MethodNotAllowed'], t };
    if (status === 414) return { where: ['components', 'responses', 'UriTooLong'], t };
    return { error: `${method} ${t} is not documented, and answered ${status}, not 405` };
  }
  if (!item[m].responses[String(status)]) {
    return { error: `${method} ${t} answered ${status}, which the description does not document (documented: ${Object.keys(item[m].responses).join(', ')})` };
  }
  return { where: ['paths', t, m, 'responses', String(status)], t };
}

// Throws an Error saying what does not match. url: the full URL asked;
// headers: a fetch Headers; text: the body as received.
export function checkResponse({ method, url, status, headers, text }) {
  const u = new URL(url);
  const p = u.pathname;
  const found = responseFor(method.toUpperCase(), p, status);
  if (found.skip) return;
  const what = `${method} ${p} -> ${status}`;
  if (found.error) throw new Error(`OpenAPI: ${found.error}; body: ${String(text).slice(0, 300)}`);
  let where = found.where;
  let resp = deref(where.reduce((x, k) => x[k], doc));
  // follow a $ref to components.responses for the schema's pointer too
  const raw = where.reduce((x, k) => x[k], doc);
  if (raw.$ref) where = raw.$ref.replace(/^#\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const [name, h0] of Object.entries(resp.headers ?? {})) {
    const h = deref(h0);
    if (!h.required) continue;
    const present = name.toLowerCase() === 'set-cookie' ? headers.getSetCookie().length > 0 : headers.has(name);
    if (!present) throw new Error(`OpenAPI: ${what}: header ${name} is required and missing`);
  }
  const content = resp.content;
  if (!content || method.toUpperCase() === 'HEAD') {
    if (!content && text !== '' && method.toUpperCase() !== 'HEAD') {
      throw new Error(`OpenAPI: ${what}: documented without a body, got ${String(text).slice(0, 200)}`);
    }
    return;
  }
  const ctype = (headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  const media = Object.keys(content).find((m) => m === ctype);
  if (!media) throw new Error(`OpenAPI: ${what}: Content-Type ${ctype || '(none)'}, documented: ${Object.keys(content).join(', ')}`);
  let body = text;
  if (media === 'application/json') {
    try { body = JSON.parse(text); } catch { throw new Error(`OpenAPI: ${what}: the body is not JSON: ${String(text).slice(0, 200)}`); }
  }
  if (!content[media].schema) return;
  const v = validatorAt([...where, 'content', media, 'schema']);
  if (!v(body)) {
    throw new Error(`OpenAPI: ${what}: the body does not match the schema: ${ajv.errorsText(v.errors, { separator: '; ' })}\nbody: ${String(text).slice(0, 500)}`);
  }
}
