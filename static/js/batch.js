// Batch from images: the "select all" box ticks or clears every image and shows the count.
(function () {
  "use strict";
  const all = document.getElementById("batch-select-all");
  const count = document.getElementById("batch-count");
  const boxes = Array.from(document.querySelectorAll('.batch-grid input[name="files"]'));
  function refresh() {
    const ticked = boxes.filter((b) => b.checked).length;
    if (count) count.textContent = `${ticked} of ${boxes.length} selected`;
    if (all) {
      all.checked = ticked === boxes.length && ticked > 0;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }
  if (all) {
    all.addEventListener("change", () => {
      boxes.forEach((b) => { b.checked = all.checked; });
      refresh();
    });
  }
  boxes.forEach((b) => b.addEventListener("change", refresh));
  refresh();
})();
