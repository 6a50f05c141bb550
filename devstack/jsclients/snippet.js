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

  // scoped turns a getAuthorization snippet into its documented
  // alternative: ask /sts for just the request's scope, with ScopeLimit.
  exports.scoped = function (code, bodyFrom, bodyTo) {
    return exports.edit(exports.edit(code, bodyFrom, bodyTo), 'ScopeLimit: false', 'ScopeLimit: true');
  };
})(typeof module !== 'undefined' ? module.exports : (window.snippets = {}));
