// Review panels (templates/takes/_review.html): refused answers swap in place, keys 1-4 decide.
(function () {
  "use strict";
  if (window.LotixReview) return; // the fragment may be swapped in many times
  var REFUSED = [400, 409];

  // htmx leaves 4xx answers unswapped; the review panels answer bad input (400) and a stale
  // decision (409) with the panel itself, carrying the reason and on 409 the current state, so
  // those are swapped like a success. A 403 is the generic error page and stays unswapped.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.xhr || REFUSED.indexOf(detail.xhr.status) < 0) return;
    var elt = detail.requestConfig && detail.requestConfig.elt;
    if (!elt || !elt.closest || !elt.closest("[data-review-panel]")) return;
    detail.shouldSwap = true;
    detail.isError = false;
  });

  function typing(target) {
    if (!target || !target.closest) return false;
    return !!target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']");
  }

  function currentPanel() {
    var player = window.LotixPlayer && window.LotixPlayer.current && window.LotixPlayer.current();
    if (player && player.take) {
      var own = document.querySelector('[data-decision-panel][data-take="' + player.take + '"]');
      if (own) return own;
    }
    return document.querySelector("[data-decision-panel]");
  }

  // Registered on window so a page script listening on document (the dailies room) runs first;
  // if it already handled the key, it called preventDefault and nothing is decided twice.
  window.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (["1", "2", "3", "4"].indexOf(event.key) < 0 || typing(event.target)) return;
    var panel = currentPanel();
    if (!panel) return;
    var button = panel.querySelector('[data-decide-key="' + event.key + '"]');
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  });

  window.LotixReview = { currentPanel: currentPanel };
})();
