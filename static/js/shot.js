// The shot page: cost estimate and reference drag-and-drop (the player is static/js/player.js).
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
