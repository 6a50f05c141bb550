// What the Node drivers (emulator.js, sign.js) share: each step prints
// "ok <name>" or "FAIL <name>: <detail>", which the Go tests read, and
// the SDKs' callback calls become promises.
'use strict';

let failed = false;

exports.report = function (name, ok, detail) {
  console.log((ok ? 'ok ' : 'FAIL ') + name + (ok ? '' : ': ' + detail));
  if (!ok) failed = true;
};

// failed reports whether any step failed: the driver's exit status.
exports.failed = () => failed;

// call runs a callback-style SDK method and resolves to {err, data}.
exports.call = function (cos, method, params) {
  return new Promise((resolve) => cos[method](params, (err, data) => resolve({ err, data })));
};

exports.statusOf = function (r) {
  if (r.err) return r.err.statusCode;
  return r.data && r.data.statusCode;
};

exports.codeOf = function (r) {
  return r.err && (r.err.code || (r.err.error && r.err.error.Code));
};
