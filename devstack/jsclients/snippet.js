// Reads the code blocks README.md marks with <!-- snippet: name --> and
// applies the few edits a test needs, failing when an edit no longer
// applies: the tests run what users copy. Used by run.js (Node) and by the
// browser test's page.
(function (exports) {
  'use strict';

  // snippet returns the ```js block after the marker.
  exports.snippet = function (readme, name) {
    const at = readme.indexOf('<!-- snippet: ' + name + ' -->');
    if (at < 0) throw new Error('README.md has no snippet ' + name);
    const start = readme.indexOf('```js\n', at) + '```js\n'.length;
    return readme.slice(start, readme.indexOf('\n```', start));
  };

  // edit replaces from with to in code; from must be there.
  exports.edit = function (code, from, to) {
    if (!code.includes(from)) throw new Error('the README snippet no longer holds ' + JSON.stringify(from));
    return code.split(from).join(to);
  };

  // local points a browser snippet at the local stack, with the only edits
  // the tests make to README's browser blocks (each must still apply):
  //   'https://api.example.com'                  -> stack.api, the functions
  // and, when stack.cos is given (the cos-js-sdk-v5 block):
  //   Bucket and Region                          -> stack.bucket, stack.region
  //   Domain '{Bucket}.cos.{Region}.myqcloud.com' -> stack.cos, the COS emulator
  // The token and uid, and the page's <input type="file" id="file">, are
  // the test's, as they are the page's in the README.
  exports.local = function (code, stack) {
    code = exports.edit(code, 'https://api.example.com', stack.api);
    if (stack.cos === undefined) return code;
    code = exports.edit(code, "const Bucket = 'examplebucket-1250000000';", 'const Bucket = ' + JSON.stringify(stack.bucket) + ';');
    code = exports.edit(code, "const Region = 'ap-guangzhou';", 'const Region = ' + JSON.stringify(stack.region) + ';');
    return exports.edit(code, "Domain: '{Bucket}.cos.{Region}.myqcloud.com',", 'Domain: ' + JSON.stringify(stack.cos) + ',');
  };

  // scoped turns a getAuthorization snippet into its documented
  // alternative: ask /sts for just the request's scope, with ScopeLimit.
  exports.scoped = function (code, bodyFrom, bodyTo) {
    return exports.edit(exports.edit(code, bodyFrom, bodyTo), 'ScopeLimit: false', 'ScopeLimit: true');
  };
})(typeof module !== 'undefined' ? module.exports : (window.snippets = {}));
