#!/usr/bin/env node
// Check docs/openapi.json as a document, and against the route table:
// - OpenAPI 3.1.x, every $ref resolves, every operation has responses
//   (each with a description, under a real status code), every {param} of
//   a path is declared, every schema compiles as JSON Schema 2020-12;
// - every route of src/api/routes.c is documented with the same method, and
//   nothing is documented that routes.c does not route; the route's flags
//   agree with x-memberd-auth, x-memberd-csrf, security and the CSRF
//   header parameter.
// Exit 1 naming each problem. make test runs it (make check-openapi).
// usage: check-openapi.mjs [--doc FILE] [--routes FILE]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const docPath = opt('--doc', path.join(REPO, 'docs/openapi.json'));
const routesPath = opt('--routes', path.join(REPO, 'src/api/routes.c'));

const problems = [];
const bad = (m) => problems.push(m);

let doc;
try {
  doc = JSON.parse(fs.readFileSync(docPath, 'utf8'));
} catch (e) {
  console.error(`check-openapi: ${docPath}: ${e.message}`);
  process.exit(1);
}

// --- the document as a document
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
if (!/^3\.1\.\d+$/.test(doc.openapi ?? '')) bad(`openapi is "${doc.openapi}", not 3.1.x`);
if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') bad('info needs title and version');
if (typeof doc.paths !== 'object' || doc.paths === null) bad('no paths');

const unescape = (s) => s.replace(/~1/g, '/').replace(/~0/g, '~');
function resolve(ref) {
  if (!ref.startsWith('#/')) return undefined;
  return ref.slice(2).split('/').map(unescape).reduce((x, k) => (x == null ? undefined : x[k]), doc);
}
(function walk(o, where) {
  if (Array.isArray(o)) return o.forEach((x, i) => walk(x, `${where}/${i}`));
  if (o === null || typeof o !== 'object') return;
  if (typeof o.$ref === 'string' && resolve(o.$ref) === undefined) bad(`${where}: $ref ${o.$ref} does not resolve`);
  for (const [k, v] of Object.entries(o)) walk(v, `${where}/${k}`);
}(doc, '#'));

const deref = (o) => (o && o.$ref ? deref(resolve(o.$ref)) : o);
const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs',
  ...Object.keys(doc).filter((k) => !k.startsWith('$'))]);
ajv.addSchema({ ...doc, $id: 'openapi' });
const compiles = (pointer, where) => {
  try {
    ajv.compile({ $ref: `openapi#${pointer}` });
  } catch (e) {
    bad(`${where}: the schema does not compile: ${e.message}`);
  }
};
const esc = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
for (const name of Object.keys(doc.components?.schemas ?? {})) {
  compiles(`/components/schemas/${esc(name)}`, `components.schemas.${name}`);
}

const ops = [];
for (const [p, item] of Object.entries(doc.paths ?? {})) {
  if (!p.startsWith('/')) bad(`path ${p} does not start with /`);
  const params = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  for (const m of Object.keys(item)) {
    if (!METHODS.includes(m)) continue;
    const op = item[m];
    const where = `${m.toUpperCase()} ${p}`;
    ops.push({ method: m.toUpperCase(), path: p, op });
    const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
    for (const name of params) {
      if (!declared.some((d) => d?.in === 'path' && d.name === name && d.required === true)) {
        bad(`${where}: path parameter {${name}} is not declared (in: path, required: true)`);
      }
    }
    const codes = Object.keys(op.responses ?? {});
    if (codes.length === 0) bad(`${where}: no responses`);
    for (const c of codes) {
      if (!/^[1-5][0-9][0-9]$/.test(c)) bad(`${where}: response "${c}" is not a status code`);
      const r = deref(op.responses[c]);
      if (typeof r?.description !== 'string') bad(`${where} ${c}: a response needs a description`);
      const base = op.responses[c].$ref
        ? op.responses[c].$ref.slice(1)
        : `/paths/${esc(p)}/${m}/responses/${c}`;
      for (const media of Object.keys(r?.content ?? {})) {
        if (r.content[media].schema) compiles(`${base}/content/${esc(media)}/schema`, `${where} ${c} ${media}`);
      }
    }
    if (op.requestBody) {
      for (const media of Object.keys(deref(op.requestBody).content ?? {})) {
        compiles(`/paths/${esc(p)}/${m}/requestBody/content/${esc(media)}/schema`, `${where} request body`);
      }
    }
  }
}

// --- the document against the route table
const src = fs.readFileSync(routesPath, 'utf8');
const routes = [];
const re = /\{\s*"([A-Z]+)",\s*((?:V1\s+)?"[^"]*")\s*,\s*([A-Z_| ]+?)\s*,\s*(\w+)\s*\}/g;
for (const m of src.matchAll(re)) {
  const p = m[2].replace(/^V1\s+/, '/api/v1').replace(/"/g, '');
  routes.push({ method: m[1], path: p, flags: m[3].split('|').map((f) => f.trim()), handler: m[4] });
}
if (routes.length === 0) bad(`${routesPath}: no routes found`);
const norm = (p) => p.replace(/\{[^}]+\}/g, '{}');
const key = (x) => `${x.method} ${norm(x.path)}`;
const documented = new Map(ops.map((o) => [key(o), o]));
const routed = new Map(routes.map((r) => [key(r), r]));
for (const [k, r] of routed) {
  const o = documented.get(k);
  if (!o) {
    bad(`${k} (${r.handler}) is in routes.c but not in the description`);
    continue;
  }
  const auth = r.flags.includes('AUTH_ADMIN') ? 'admin' : r.flags.includes('AUTH_USER') ? 'user'
    : r.flags.includes('AUTH_OPTIONAL') ? 'optional' : r.flags.includes('AUTH_SELF') ? 'self' : 'anyone';
  const csrf = r.flags.includes('NEED_CSRF');
  if (o.op['x-memberd-auth'] !== auth) bad(`${k}: routes.c says ${auth}, x-memberd-auth says ${o.op['x-memberd-auth']}`);
  if (o.op['x-memberd-csrf'] !== csrf) bad(`${k}: routes.c says csrf ${csrf}, x-memberd-csrf says ${o.op['x-memberd-csrf']}`);
  const schemes = (o.op.security ?? doc.security ?? []).flatMap((s) => Object.keys(s));
  const want = { admin: ['adminSession', 'bearer'], user: ['userSession'], optional: ['userSession'],
    self: ['userSession'], anyone: [] }[auth];
  if (want.join() !== schemes.join()) bad(`${k}: security lists ${schemes.join(', ') || 'nothing'}, routes.c means ${want.join(', ') || 'nothing'}`);
  const hasCsrf = (o.op.parameters ?? []).map(deref).some((p) => p?.in === 'header' && p.name === 'X-CSRF-Token');
  if (hasCsrf !== csrf) bad(`${k}: the X-CSRF-Token parameter is ${hasCsrf ? '' : 'not '}declared`);
  if (csrf && !JSON.stringify(deref(o.op.responses['403']) ?? {}).includes('csrf_failed')) bad(`${k}: no 403 csrf_failed`);
  if ((auth === 'user' || auth === 'admin' || auth === 'self') && !o.op.responses['401']) bad(`${k}: no 401`);
}
for (const k of documented.keys()) {
  if (!routed.has(k)) bad(`${k} is in the description but routes.c has no such route`);
}

if (problems.length) {
  for (const p of problems) console.error(`check-openapi: ${p}`);
  console.error(`check-openapi: ${problems.length} problem(s) in ${path.relative(process.cwd(), docPath)}`);
  process.exit(1);
}
console.log(`check-openapi: ${ops.length} operations, ${routes.length} routes: ok`);
