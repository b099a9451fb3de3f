// The worklist's "select every sendable row on this page": a progressive enhancement (the
// box, in the bulk bar above the table, is hidden without JavaScript; "all matching the
// filter" works without it).
(function () {
  "use strict";
  var all = document.getElementById("select-page");
  var form = document.getElementById("bulk-form");
  if (!all || !form) {
    return;
  }
  var boxes = function () {
    return form.querySelectorAll("tbody input[type=checkbox][name=id]");
  };
  var sync = function () {
    var list = boxes();
    var ticked = 0;
    for (var i = 0; i < list.length; i++) {
      if (list[i].checked) {
        ticked++;
      }
    }
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
  };
  // Shown only when this script runs: without it the box would do nothing.
  var wrap = document.getElementById("select-page-wrap");
  if (wrap) {
    wrap.hidden = false;
  }
  all.addEventListener("change", function () {
    var list = boxes();
    for (var i = 0; i < list.length; i++) {
      list[i].checked = all.checked;
    }
  });
  form.addEventListener("change", function (e) {
    if (e.target !== all) {
      sync();
    }
  });
  sync();
})();
