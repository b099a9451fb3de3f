// Copy buttons: <button data-copy="ID" data-copied="…" hidden> copies the text of the
// element with that id. Without JavaScript the button stays hidden and the text is
// selectable as it is; where the clipboard refuses, the text is selected instead.
(function () {
  'use strict';
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target) {
      return;
    }
    var select = function () {
      var range = document.createRange();
      range.selectNodeContents(target);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    };
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = target.textContent.trim();
      if (!navigator.clipboard) {
        select();
        return;
      }
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.getAttribute('data-copied');
      }, select);
    });
  });
})();
