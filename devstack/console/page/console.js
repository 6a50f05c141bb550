// The local console's page. Everything the stack sends is shown through
// textContent, never as HTML: object keys and paths come from callers.
'use strict';

const state = { cfg: null, rows: new Map(), token: '', uid: '', open: new Set() };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

async function getJSON(path, init) {
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((body.error && body.error.message) || res.status + ' ' + res.statusText);
  return body;
}

const clock = (t) => new Date(t).toISOString().slice(11, 23);
// human writes Unix seconds as a person reads a time; the raw value stays
// on hover (the title), to compare with what a client logged.
const human = (s) => new Date(s * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
const at = (s) => el('time', { datetime: new Date(s * 1000).toISOString(), title: 'Unix ' + s }, human(s));
const stamp = (t) => new Date(t).toISOString().replace('T', ' ').replace('Z', ' UTC') + ' (Unix ' + Math.floor(new Date(t) / 1000) + ')';
// humanTimes turns the Unix seconds in an emulator's sentence ("the
// signature window ended at 1796004483") into times.
const humanTimes = (text) => text.split(/\b(1\d{9})\b/).map((part, i) => (i % 2 ? at(Number(part)) : part));
const refused = (r) => r.status >= 400 || !!r.code;

// ---- requests ----

function add(r) {
  state.rows.set(r.seq, r);
  if (state.rows.size > 2000) state.rows.delete(Math.min(...state.rows.keys()));
}

function children(seq) {
  return [...state.rows.values()].filter((r) => r.parent === seq).sort((a, b) => a.seq - b.seq);
}

function seqLink(seq, label) {
  return el('a', { onclick: (ev) => { ev.stopPropagation(); flash(seq); } }, label || '#' + seq);
}

function flash(seq) {
  const tr = document.getElementById('r' + seq);
  if (!tr) return;
  tr.scrollIntoView({ block: 'center' });
  tr.classList.add('flash');
  setTimeout(() => tr.classList.remove('flash'), 1500);
}

function render() {
  const only = document.getElementById('only-refused').checked;
  const body = document.querySelector('#requests tbody');
  const rows = [...state.rows.values()].sort((a, b) => b.seq - a.seq).filter((r) => !only || refused(r));
  body.replaceChildren(...rows.slice(0, 400).flatMap((r) => {
    const who = r.uid || r.secretId || '';
    const tr = el('tr', {
      id: 'r' + r.seq, class: 'row' + (refused(r) ? ' refused' : ''), 'data-service': r.service,
      'data-code': r.code || '', 'data-kind': r.reason ? r.reason.kind : '',
      onclick: () => { state.open.has(r.seq) ? state.open.delete(r.seq) : state.open.add(r.seq); render(); },
    },
    el('td', { class: 'seq' }, r.seq), el('td', { title: stamp(r.time) }, clock(r.time)), el('td', {}, r.service),
    el('td', {}, r.method), el('td', { title: r.path }, r.path), statusCell(r),
    el('td', {}, r.ms.toFixed(1)), el('td', { title: who }, who), el('td', { class: 'mono', title: r.requestId || '' }, r.requestId || ''),
    el('td', { class: 'link' }, linkOf(r)));
    if (!state.open.has(r.seq)) return [tr];
    return [tr, el('tr', { class: 'detail' }, el('td', { colspan: 10 }, detail(r)))];
  }));
}

// statusCell puts the status on its line and the error code below it, so
// neither is cut in the narrow column.
function statusCell(r) {
  const td = el('td', { class: 'status', title: r.status + (r.code ? ' ' + r.code : '') }, el('span', {}, r.status));
  if (r.code) td.append(el('span', { class: 'code' }, r.code));
  return td;
}

// linkOf says where a request came from (the call that minted its
// signature, or handed out its key, or that it was made during) or, for a
// function call, what it led to: the first few, then how many more.
function linkOf(r) {
  if (r.parent) {
    const p = state.rows.get(r.parent);
    const how = r.mint ? 'minted by ' : 'from ';
    return el('span', {}, how, seqLink(r.parent, '#' + r.parent + ' ' + (r.mint ? r.mint.function : p ? p.service : '')));
  }
  if (!r.function) return '';
  const kids = children(r.seq);
  if (!kids.length) return '';
  const shown = kids.slice(0, 3).flatMap((k, i) => [i ? ', ' : '', seqLink(k.seq, '#' + k.seq + ' ' + k.service)]);
  return el('span', {}, 'led to ', shown, kids.length > 3 ? ' +' + (kids.length - 3) + ' more' : '');
}

// mintBox compares a refused COS request with what the function call that
// minted its signature told the client to send. It is certain where the
// emulator's variants are guesses, so it comes first.
function mintBox(r) {
  const m = r.mint;
  const box = el('div', { class: 'mint' }, el('b', {}, 'Minted by '), seqLink(m.seq, '#' + m.seq + ' ' + m.function),
    ' (' + m.method + ')');
  if (!m.diff) return box;
  box.append(el('p', { class: 'mint-words' }, el('b', {}, 'What was signed against what COS received: '), m.diff.words));
  box.append(el('pre', { class: 'mint-diff' }, m.diff.part + '\n  signed:   ' + m.diff.signed + '\n  received: ' + m.diff.received));
  return box;
}

// detail explains one exchange: the emulator's decision, the likely cause
// and fix, and the facts behind it.
function detail(r) {
  const box = el('div', { class: 'reason' });
  if (!r.reason && !r.code) {
    box.append(el('p', {}, 'Answered ' + r.status + ' in ' + r.ms.toFixed(1) + ' ms.'));
    return box;
  }
  const why = r.reason || {};
  const minted = r.mint && r.mint.diff;
  box.append(el('h3', {}, (r.code || r.status) + (why.kind ? ' — ' + why.kind : ''), ' ', el('span', { class: 'when' }, 'at ', el('time', { title: stamp(r.time) }, clock(r.time)))));
  if (r.mint) box.append(mintBox(r));
  // The emulator's guess at what the client signed gives way to the mint.
  if (why.detail && !(minted && why.clientFormatString)) box.append(el('p', { class: 'decided' }, humanTimes(why.detail)));
  if (r.advice) {
    box.append(el('p', {}, el('b', {}, 'Cause: '), r.advice.cause));
    box.append(el('p', { class: 'fix' }, el('b', {}, 'Fix: '), r.advice.fix));
  }
  if (why.start || why.end) {
    const lines = [];
    if (why.start) lines.push('window start  ', at(why.start), '\n');
    if (why.end) lines.push('window end    ', at(why.end), '\n');
    if (why.server) lines.push('server time   ', at(why.server), '\n');
    if (why.server && why.end && why.server > why.end) lines.push('ended ' + (why.server - why.end) + ' s before the request arrived\n');
    if (why.server && why.start && why.start > why.server) lines.push('starts ' + (why.start - why.server) + ' s after the server time\n');
    box.append(el('pre', { class: 'window' }, lines));
  }
  if (why.denial) {
    const d = why.denial;
    box.append(el('p', {}, el('b', {}, 'Action '), el('code', {}, d.action), el('b', {}, ' on key '), el('code', {}, d.key)));
    if (d.prefixes && d.prefixes.length) box.append(el('p', {}, el('b', {}, 'The grant allows this action under: '), el('code', {}, d.prefixes.join(', '))));
    else box.append(el('p', {}, el('b', {}, 'No statement of the grant includes the action '), el('code', {}, d.action)));
    const misses = (d.deny ? [d.deny] : []).concat(d.misses || []);
    box.append(el('ul', {}, misses.map((m) => el('li', {}, 'statement ' + m.statement + ' (' + m.effect + (m.part ? ', ' + m.part : '') + '): ' + m.detail))));
    box.append(el('p', { class: 'hint' }, 'Resource: ' + d.resource));
  }
  if (why.formatString || why.stringToSign) {
    box.append(el('p', {}, el('b', {}, 'COS computed (signed headers ' + (why.headerList || '(none)') + '; parameters ' + (why.paramList || '(none)') + '):')));
    box.append(el('pre', {}, 'FormatString:\n' + why.formatString + '\nStringToSign:\n' + why.stringToSign));
    const mine = el('textarea', { rows: 4, placeholder: 'Paste what your client signed (its FormatString or StringToSign) to see where they part', onclick: (e) => e.stopPropagation() });
    const out = el('pre', { class: 'client-diff' });
    const show = () => out.replaceChildren(...diff(why, mine.value));
    mine.addEventListener('input', show);
    if (why.clientFormatString && !minted) {
      // The emulator found what the client signed.
      box.append(el('p', {}, el('b', {}, 'What the client signed, against COS:')));
      mine.value = why.clientFormatString;
      show();
    }
    box.append(mine, out);
  }
  return box;
}

// diff lines up what the client signed with COS's side (the FormatString,
// or the StringToSign when that is what was pasted) and marks the first
// place they differ.
function diff(why, client) {
  const text = client.replace(/\\n/g, '\n').replace(/\n$/, '');
  const server = (text.startsWith('sha1\n') ? why.stringToSign : why.formatString).replace(/\n$/, '');
  const a = server.split('\n');
  const b = text.split('\n');
  const out = [];
  let found = false;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const s = a[i] === undefined ? '' : a[i];
    const c = b[i] === undefined ? '' : b[i];
    if (found || s === c) { out.push((s === c ? '  ' : '≠ ') + c + '\n'); continue; }
    found = true;
    let j = 0;
    while (j < s.length && j < c.length && s[j] === c[j]) j++;
    out.push('≠ ' + c.slice(0, j), el('mark', {}, c.slice(j) || '(nothing)'), '\n  COS: ' + s.slice(0, j), el('mark', {}, s.slice(j) || '(nothing)'), '\n');
  }
  if (!found) out.unshift('Same as COS.\n');
  return out;
}

function connect() {
  const live = document.getElementById('live');
  const es = new EventSource('api/events');
  es.onopen = () => { live.textContent = 'live'; live.classList.add('on'); };
  es.onerror = () => { live.textContent = 'reconnecting…'; live.classList.remove('on'); };
  es.onmessage = (m) => { add(JSON.parse(m.data)); scheduleRender(); };
}

let pending = false;
function scheduleRender() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; render(); });
}

// ---- token, upload, objects ----

async function mint(ev) {
  ev.preventDefault();
  const out = document.getElementById('token-out');
  try {
    const t = await getJSON('api/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ uid: document.getElementById('uid').value }) });
    state.token = t.token;
    state.uid = t.uid;
    // The token is kept for the forms and the clipboard; only its start is shown.
    out.replaceChildren('uid ' + t.uid + ': ' + t.token.slice(0, 16) + '… (until ', at(t.expiresAt), ') ',
      el('button', { type: 'button', onclick: () => navigator.clipboard.writeText(state.token) }, 'Copy'));
  } catch (e) {
    out.textContent = e.message;
  }
}

function api(path, init) {
  const headers = { Authorization: 'Bearer ' + state.token, ...(init && init.headers) };
  return fetch(state.cfg.functions + path, { ...init, headers });
}

async function upload(ev) {
  ev.preventDefault();
  const out = document.getElementById('upload-out');
  const file = document.getElementById('file').files[0];
  const method = document.getElementById('upload-method').value;
  if (!state.token) { out.textContent = 'Mint a token first.'; return; }
  try {
    const res = await api('/presign', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: file.name, contentType: file.type || undefined, size: file.size, method }) });
    const p = await res.json();
    if (!res.ok) { out.textContent = '/presign refused: ' + res.status + ' ' + p.error.code + ': ' + p.error.message; return; }
    let up;
    if (method === 'PUT') {
      const h = { ...p.headers };
      delete h['Content-Length']; // the browser sets it from the body
      up = await fetch(p.url, { method: 'PUT', headers: h, body: file });
    } else {
      const form = new FormData();
      for (const [k, v] of Object.entries(p.formData)) form.append(k, v);
      form.append(p.fileField, file);
      up = await fetch(p.url, { method: 'POST', body: form });
    }
    out.textContent = up.ok ? 'Uploaded ' + p.key : 'COS answered ' + up.status + ': see the requests list';
    loadObjects();
  } catch (e) {
    out.textContent = e.message;
  }
}

async function download(key) {
  if (!state.token) { alert('Mint a token for the owner first.'); return; }
  const res = await api('/download?format=json&key=' + encodeURIComponent(key));
  const body = await res.json();
  if (!res.ok) { alert('/download refused: ' + body.error.code + ': ' + body.error.message); return; }
  window.open(body.url, '_blank', 'noopener');
}

async function loadObjects() {
  const objs = await getJSON('api/objects');
  // Each object takes two lines: its key across the table, then the rest,
  // so that neither the key nor the ACL is squeezed in the side column.
  document.querySelector('#objects tbody').replaceChildren(...objs.flatMap((o) => [
    el('tr', { class: 'key' }, el('td', { class: 'mono', colspan: 5 }, o.key)),
    el('tr', { class: 'meta' }, el('td', {}, o.size), el('td', { class: 'type' }, o.type), el('td', { class: 'acl' }, o.acl),
      el('td', { title: stamp(o.modified) }, clock(o.modified)), el('td', {}, el('a', { onclick: () => download(o.key) }, 'download')))]));
}

// ---- charts ----

function spark(values, color) {
  const max = Math.max(1, ...values);
  const w = 150, h = 28, dx = w / Math.max(1, values.length - 1);
  const pts = values.map((v, i) => (i * dx).toFixed(1) + ',' + (h - 2 - (v / max) * (h - 4)).toFixed(1)).join(' ');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  svg.setAttribute('preserveAspectRatio', 'none');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', pts);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', color);
  svg.append(line);
  const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
  title.textContent = 'max ' + max.toFixed(1);
  svg.append(title);
  return svg;
}

async function loadStats() {
  const s = await getJSON('api/stats');
  const charts = document.getElementById('charts');
  charts.replaceChildren(el('div', { class: 'chart' }, el('b', {}, 'service'), el('b', {}, 'requests / ' + s.stepSeconds + ' s'), el('b', {}, 'p50 latency (ms)')),
    ...(s.series || []).map((x) => el('div', { class: 'chart', 'data-service': x.service },
      el('span', {}, x.service + ' (' + x.total + (x.errors ? ', ' + x.errors + ' refused' : '') + ')'),
      spark(x.requests, '#12344d'), spark(x.p50, '#b3261e'))));
  document.querySelector('#reasons tbody').replaceChildren(...(s.reasons || []).map((c) =>
    el('tr', {}, el('td', {}, c.service), el('td', {}, c.code), el('td', {}, c.kind), el('td', {}, c.count))));
}

// ---- explainer ----

async function explainIt(ev) {
  ev.preventDefault();
  const out = document.getElementById('explain-out');
  const headers = {};
  for (const line of document.getElementById('ex-headers').value.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  const body = {
    texts: [document.getElementById('ex-signed').value, document.getElementById('ex-xml').value].filter((t) => t.trim()),
    method: document.getElementById('ex-method').value, url: document.getElementById('ex-url').value, headers,
    secretKey: document.getElementById('ex-key').value,
  };
  try {
    const r = await getJSON('api/explain', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    out.replaceChildren(
      el('p', { class: 'verdict ' + (r.verdict === 'valid' ? 'valid' : 'bad') }, r.verdict), el('p', {}, r.summary),
      r.diff && r.diff.words ? el('p', { class: 'diff-words' }, r.diff.words) : '',
      r.diff ? el('pre', {}, 'first difference (' + r.diff.part + ')\n  signed:   ' + r.diff.signed + '\n  received: ' + r.diff.received) : '',
      r.candidates ? el('div', { class: 'candidates' }, el('b', {}, 'Possible causes, most likely first:'),
        el('ol', {}, r.candidates.map((c) => el('li', {}, c)))) : '',
      r.advice ? el('p', {}, el('b', {}, 'Cause: '), r.advice.cause) : '',
      r.advice ? el('p', { class: 'fix' }, el('b', {}, 'Fix: '), r.advice.fix) : '',
      el('table', {}, (r.facts || []).map((f) => el('tr', {}, el('th', {}, f.name), el('td', { class: 'mono' }, f.value)))),
      el('ul', {}, (r.notes || []).map((n) => el('li', {}, n))));
  } catch (e) {
    out.textContent = e.message;
  }
}

// ---- start ----

(async () => {
  state.cfg = await getJSON('api/config');
  document.getElementById('where').textContent = 'functions ' + state.cfg.functions + ' · COS ' + state.cfg.cos;
  document.getElementById('bucket').textContent = state.cfg.bucket + ' (' + state.cfg.region + ')';
  document.getElementById('only-refused').addEventListener('change', render);
  document.getElementById('mint').addEventListener('submit', mint);
  document.getElementById('upload').addEventListener('submit', upload);
  document.getElementById('explain').addEventListener('submit', explainIt);
  for (const r of await getJSON('api/exchanges')) add(r);
  render();
  connect();
  loadObjects();
  loadStats();
  setInterval(() => { loadStats(); loadObjects(); }, 3000);
})();
