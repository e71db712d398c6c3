// oauth-doctor HTML report: copying the ticket summary, opening what a link points at, and
// printing everything. No request of any kind is made (the page's Content-Security-Policy
// forbids it too).
(function () {
  'use strict';
  var copy = document.getElementById('copy-ticket');
  var text = document.getElementById('ticket-text');
  var status = document.getElementById('copy-status');
  function said(ok) {
    if (status) {
      status.textContent = ok ? 'Copied.' : 'The summary is selected: copy it with your keyboard.';
    }
  }
  function select() {
    var box = text.closest('details');
    if (box) { box.open = true; }
    var range = document.createRange();
    range.selectNodeContents(text);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    said(ok);
  }
  if (copy && text) {
    copy.addEventListener('click', function () {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text.textContent).then(function () { said(true); }, select);
      } else {
        select();
      }
    });
  }
  // An exchange card opens when a link (an arrow) points at it.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) { return; }
    var el = document.getElementById(id);
    if (el && el.tagName === 'DETAILS') { el.open = true; }
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
  // Printing shows every folded section.
  var opened = [];
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
