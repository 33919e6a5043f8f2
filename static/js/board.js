// Coverage board: keep keyboard focus on the button that moved a scene or shot (the board is
// re-rendered by htmx's boosted forms), and let a mouse drag a shot card within its scene.
// Without this script every button still works as a plain form post.
(function () {
  "use strict";
  var focusId = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    focusId = active && active.id && active.closest("#board") ? active.id : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!focusId) return;
    var target = document.getElementById(focusId);
    if (target && target.disabled) {
      // A shot moved to the end: its "down" button is now disabled, so offer "up" instead.
      var twin = focusId.replace(/-(up|down)$/, function (_, d) { return d === "up" ? "-down" : "-up"; });
      target = document.getElementById(twin) || target;
    }
    if (target) {
      target.focus();
      target.scrollIntoView({ block: "center" });
    }
    focusId = null;
  });

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".shot-card[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.shotId);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var card = event.target.closest && event.target.closest(".shot-card");
    if (!card || card === dragged || card.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    var box = card.getBoundingClientRect();
    var after = event.clientX > box.left + box.width / 2;
    card.parentNode.insertBefore(dragged, after ? card.nextSibling : card);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var card = dragged;
    dragged = null;
    card.classList.remove("is-dragging");
    var grid = card.parentNode;
    var body = new URLSearchParams();
    grid.querySelectorAll(".shot-card").forEach(function (item) {
      body.append("shot", item.dataset.shotId);
    });
    fetch(grid.dataset.reorderUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin",
    }).then(function () {
      // Re-render so codes, move buttons and any refusal message match the server.
      window.location.reload();
    });
  });
})();
