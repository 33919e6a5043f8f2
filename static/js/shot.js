// The shot page: cost estimate, reference drag-and-drop, filmstrip scrub, play shortcut.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- estimated cost for the chosen profile and variations ---------------------------
  function updateCost() {
    var select = document.getElementById("id_profile");
    var variations = document.getElementById("id_variations");
    var out = document.getElementById("cost-value");
    if (!select || !variations || !out) return;
    var option = select.options[select.selectedIndex];
    var each = option ? parseFloat(option.getAttribute("data-cost")) : NaN;
    var count = Math.min(Math.max(parseInt(variations.value, 10) || 1, 1), 8);
    if (isNaN(each)) { out.textContent = "—"; return; }
    var total = each * count;
    var text = total.toFixed(1) + " GPU-s (" + count + " × " + each.toFixed(1) + ")";
    var left = parseFloat(document.getElementById("cost-estimate").getAttribute("data-left"));
    if (!isNaN(left) && total > left) text += ", more than the budget left";
    out.textContent = text;
    document.querySelectorAll("#profile-caps li").forEach(function (li) {
      li.classList.toggle("current", li.getAttribute("data-profile") === select.value);
    });
  }

  // --- references: drag to set priority ----------------------------------------------
  var dragged = null;

  function setupReferenceDrag(list) {
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".ref-row");
      if (!dragged) return;
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-reference"));
    });
    list.addEventListener("dragover", function (event) {
      var over = event.target.closest(".ref-row");
      if (!dragged || !over || over === dragged) return;
      event.preventDefault();
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) { event.preventDefault(); });
    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("dragging");
      dragged = null;
      var order = Array.prototype.map.call(list.querySelectorAll(".ref-row"), function (row) {
        return row.getAttribute("data-reference");
      });
      var body = new FormData();
      body.append("order", order.join(","));
      fetch(list.getAttribute("data-reorder-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(), "X-Requested-With": "fetch"},
      }).then(function () { window.location.reload(); });
    });
  }

  // --- filmstrip hover-scrub ----------------------------------------------------------
  function showTile(strip, index) {
    var tiles = parseInt(strip.getAttribute("data-tiles"), 10);
    var width = parseInt(strip.getAttribute("data-tile-width"), 10);
    index = Math.min(Math.max(index, 0), tiles - 1);
    strip.style.backgroundPosition = (-index * width) + "px 0px";
    strip.setAttribute("aria-valuenow", String(index + 1));
    return index;
  }

  function tileAt(strip, clientX) {
    var tiles = parseInt(strip.getAttribute("data-tiles"), 10);
    var box = strip.getBoundingClientRect();
    return Math.floor((clientX - box.left) / box.width * tiles);
  }

  function seekTo(strip, index) {
    var tiles = parseInt(strip.getAttribute("data-tiles"), 10);
    var video = document.getElementById("player-video");
    if (!video || !video.duration) return;
    video.currentTime = tiles > 1 ? video.duration * index / (tiles - 1) : 0;
  }

  document.addEventListener("mousemove", function (event) {
    var strip = event.target.closest && event.target.closest(".filmstrip");
    if (strip) showTile(strip, tileAt(strip, event.clientX));
  });
  document.addEventListener("click", function (event) {
    var strip = event.target.closest && event.target.closest(".filmstrip");
    if (strip) seekTo(strip, showTile(strip, tileAt(strip, event.clientX)));
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("filmstrip")) {
      var now = parseInt(target.getAttribute("aria-valuenow"), 10) - 1;
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        event.preventDefault();
        showTile(target, now + (event.key === "ArrowRight" ? 1 : -1));
      } else if (event.key === "Enter") {
        event.preventDefault();
        seekTo(target, now);
        var video = document.getElementById("player-video");
        if (video) video.play();
      }
      return;
    }
    if (event.key === " " && !target.closest("input, select, textarea, button, a, video")) {
      var player = document.getElementById("player-video");
      if (!player) return;
      event.preventDefault();
      if (player.paused) player.play(); else player.pause();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_profile");
    var variations = document.getElementById("id_variations");
    if (select) select.addEventListener("change", updateCost);
    if (variations) variations.addEventListener("input", updateCost);
    updateCost();
    var list = document.getElementById("ref-list");
    if (list && list.querySelector("[draggable=true]")) setupReferenceDrag(list);
  });
})();
