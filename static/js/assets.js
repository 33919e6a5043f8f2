// Asset library: the upload form's small behaviours. The server decides everything; this only
// helps the person filling the form.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var assetSelect = form.querySelector("#id_asset");
  var newAsset = form.querySelector("#new-asset-fields");
  var files = form.querySelector("#id_files");
  var hint = form.querySelector("#files-hint");
  var maxFiles = parseInt(form.dataset.maxFiles, 10);

  function syncNewAsset() {
    // The select is swapped out after each upload, so look it up again every time.
    assetSelect = form.querySelector("#id_asset");
    var creating = !assetSelect || assetSelect.value === "";
    newAsset.hidden = !creating;
    newAsset.disabled = !creating;
  }

  function describeFiles() {
    var count = files.files.length;
    if (count === 0) {
      hint.textContent = "No files chosen.";
    } else if (count > maxFiles) {
      hint.textContent = count + " files chosen; upload at most " + maxFiles + " at a time.";
    } else {
      var total = 0;
      for (var i = 0; i < count; i++) total += files.files[i].size;
      hint.textContent = count + (count === 1 ? " file" : " files") + " chosen (" +
        (total / 1048576).toFixed(1) + " MB).";
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.id === "id_asset") syncNewAsset();
    if (event.target === files) describeFiles();
  });

  function fromForm(event) {
    // detail.elt is the swap target; the element that sent the request is in requestConfig.
    return event.detail.requestConfig && event.detail.requestConfig.elt === form;
  }

  // htmx leaves 4xx answers unswapped by default; refusals carry the sentences to show.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (!fromForm(event)) return;
    var status = event.detail.xhr.status;
    if (status === 400 || status === 403 || status === 409 || status === 413) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!fromForm(event)) return;
    if (event.detail.xhr.status < 300) {
      files.value = "";
      describeFiles();
    }
    syncNewAsset();
  });

  syncNewAsset();
  describeFiles();
})();
