// Drag a task's card to another column of the board to move it: progressive enhancement over the
// card's own move form (which stays, for the keyboard and for a browser without this file). The
// drop sends that form, with the column's status, the way the form would; a refused move puts the
// card back where it was and says the tool's own message.
(function () {
  "use strict";
  var dragged = null;

  function arm() {
    document.querySelectorAll(".board[data-movable] li.card").forEach(function (card) { card.draggable = true; });
  }
  function columnOf(element) {
    return element && element.closest ? element.closest(".board[data-movable] section.column") : null;
  }
  function say(message) {
    var el = document.getElementById("drag-said");
    if (!el) { return; }
    el.textContent = message || "";
    el.hidden = !message;
  }
  function freshKey(form) {
    var key = form.querySelector("[name=idempotency_key]");
    if (!key) { return; }
    key.value = window.crypto && window.crypto.randomUUID ? window.crypto.randomUUID().replace(/-/g, "")
      : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  document.addEventListener("DOMContentLoaded", arm);
  document.addEventListener("htmx:afterSettle", arm);  // the live page was read again
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board[data-movable] li.card");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.task);
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
  });
  document.addEventListener("dragover", function (event) {
    if (dragged && columnOf(event.target)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });
  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) { return; }
    event.preventDefault();
    var card = dragged, to = column.dataset.status;
    dragged = null;
    card.classList.remove("dragging");
    var form = card.querySelector("form.card-move");
    if (!form || to === card.dataset.status) { return; }
    var body = new FormData(form);
    body.set("status", to);
    if (to === "canceled") {  // the lifecycle asks why
      var why = window.prompt("Why cancel it?");
      if (!why || !why.trim()) { return; }
      body.set("reason", why.trim());
    }
    var home = card.parentNode, next = card.nextSibling;
    column.querySelector("ul.cards").prepend(card);
    say(null);
    function putBack(message) {
      home.insertBefore(card, next);
      var link = card.querySelector("a"); if (link) { link.focus(); }
      say(message);
    }
    fetch(form.action, {method: "POST", body: body, credentials: "same-origin"}).then(function (answer) {
      freshKey(form);
      return answer.text().then(function (html) {
        if (answer.ok) { card.dataset.status = to; return; }
        var page = new DOMParser().parseFromString(html, "text/html");
        var refused = page.querySelector("main > p.refused");
        putBack(refused ? refused.textContent : "The move was refused (HTTP " + answer.status + ").");
      });
    }).catch(function () {
      putBack("The move could not be sent: the board did not answer. Nothing was changed.");
    });
  });
})();
