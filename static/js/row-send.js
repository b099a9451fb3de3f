// Send from the worklist without leaving it: a row's *Send* opens a <dialog> instead of
// the confirmation page. Progressive enhancement only: without this script (or without
// <dialog>) the link opens the confirmation page, which returns to the worklist.
// The dialog shows the confirmation page's own consequence sentence and posts its form
// (CSRF token, idempotency key) to the same single-send endpoint, asking for JSON.
(function () {
  "use strict";
  var dialog = document.getElementById("send-dialog");
  if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) {
    return;
  }
  var form = document.getElementById("send-dialog-form");
  var consequence = document.getElementById("send-dialog-consequence");
  var error = document.getElementById("send-dialog-error");
  var sendButton = document.getElementById("send-dialog-send");
  var cancelButton = document.getElementById("send-dialog-cancel");
  var status = document.getElementById("row-send-status");
  var keyField = form.querySelector("input[name=idempotency_key]");
  var sendLabel = sendButton.textContent;
  var current = null;

  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }

  // Reads the confirmation page: its sentence and a fresh idempotency key (so a retry
  // after a failure is a new send, not a replay of the failed one).
  function load(link) {
    var here = current;
    sendButton.disabled = true;
    sendButton.hidden = false;
    return fetch(link.href, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (res) {
        if (!res.ok) {
          throw new Error(String(res.status));
        }
        return res.text();
      })
      .then(function (html) {
        if (current !== here) {
          return;
        }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var already = doc.getElementById("already-sent");
        var pageForm = doc.querySelector("form[action$='/send']");
        var sentence = doc.getElementById("consequence");
        if (already || !pageForm || !sentence) {
          consequence.textContent = already
            ? already.textContent
            : dialog.dataset.failed;
          sendButton.hidden = true;
          here.gone = Boolean(already);
          return;
        }
        consequence.textContent = sentence.textContent;
        keyField.value = pageForm.querySelector(
          "input[name=idempotency_key]"
        ).value;
        here.action = pageForm.getAttribute("action");
        sendButton.disabled = false;
      })
      .catch(function () {
        consequence.textContent = "";
        showError(dialog.dataset.failed);
        sendButton.hidden = true;
      });
  }

  function open(link) {
    current = { link: link, row: link.closest("tr"), action: null, gone: false };
    error.hidden = true;
    consequence.textContent = dialog.dataset.loading;
    sendButton.textContent = sendLabel;
    form.reset();
    dialog.showModal();
    load(link);
  }

  function removeRow() {
    if (current && current.row) {
      current.row.remove();
    }
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("a.row-send") : null;
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey) {
      return;
    }
    ev.preventDefault();
    open(link);
  });

  cancelButton.addEventListener("click", function () {
    dialog.close();
  });

  dialog.addEventListener("close", function () {
    // A checkout that turned out to be sent already leaves the list too.
    if (current && current.gone) {
      removeRow();
    }
    current = null;
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    // One POST per key: a second click while the first is on its way does nothing.
    if (!current || !current.action || sendButton.disabled) {
      return;
    }
    sendButton.disabled = true;
    var here = current;
    fetch(here.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: new URLSearchParams(new FormData(form)),
    })
      .then(function (res) {
        return res.json().catch(function () {
          return null;
        });
      })
      .then(function (out) {
        if (current !== here) {
          return;
        }
        if (out && out.sent) {
          removeRow();
          status.textContent = out.notice || out.message;
          status.hidden = false;
          status.setAttribute("tabindex", "-1");
          current = null;
          dialog.close();
          status.focus();
          return;
        }
        showError(
          (out && out.message ? out.message + " " : "") +
            (out && !out.pending ? dialog.dataset.retryExplained : "")
        );
        if (out && out.pending) {
          sendButton.hidden = true;
          return;
        }
        sendButton.textContent = dialog.dataset.retry;
        return load(here.link);
      })
      .catch(function () {
        showError(dialog.dataset.failed);
        sendButton.disabled = false;
      });
  });
})();
