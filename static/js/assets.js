// Asset library: drag and drop, one upload request per file with its own progress bar, and the
// upload form's small behaviours. The server decides everything; without this script the form
// posts all files at once and the page answers with the same sentences.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var newAsset = form.querySelector("#new-asset-fields");
  var files = form.querySelector("#id_files");
  var hint = form.querySelector("#files-hint");
  var zone = form.querySelector("#drop-zone");
  var queue = document.getElementById("upload-queue");
  var result = document.getElementById("upload-result");
  var submit = form.querySelector("button[type=submit]");
  var maxFiles = parseInt(form.dataset.maxFiles, 10);
  var busy = false;

  function syncNewAsset() {
    // The select is swapped out after each upload, so look it up again every time.
    var assetSelect = form.querySelector("#id_asset");
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

  function queueRow(file) {
    var row = document.createElement("li");
    var name = document.createElement("span");
    name.className = "result-name";
    name.textContent = file.name;
    var state = document.createElement("span");
    state.className = "muted small upload-state";
    state.textContent = " waiting";
    var bar = document.createElement("div");
    bar.className = "progress";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-label", "Upload of " + file.name);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", "0");
    var fill = document.createElement("span");
    fill.style.width = "0%";
    bar.appendChild(fill);
    row.appendChild(name);
    row.appendChild(state);
    row.appendChild(bar);
    queue.appendChild(row);
    return {
      row: row,
      progress: function (percent) {
        bar.setAttribute("aria-valuenow", String(percent));
        fill.style.width = percent + "%";
      },
      say: function (text) { state.textContent = " " + text; },
    };
  }

  function applyAnswer(html) {
    // The answer is the upload-result partial; the library and the asset menu come along as
    // out-of-band elements (hx-swap-oob) and replace the ones on the page by id.
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll("[hx-swap-oob]").forEach(function (element) {
      element.removeAttribute("hx-swap-oob");
      var old = document.getElementById(element.id);
      if (!old) return;
      var fresh = document.importNode(element, true);
      old.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
    });
    var refusal = doc.querySelector(".upload-refused .error-text, .upload-errors .error-text");
    return { body: doc.body, refusal: refusal ? refusal.textContent : "" };
  }

  function sendOne(file, item) {
    return new Promise(function (resolve) {
      var data = new FormData(form);
      data.delete("files");
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("HX-Request", "true");
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        item.progress(Math.round(event.loaded / event.total * 100));
        item.say(event.loaded < event.total ? "uploading" : "checking");
      });
      xhr.addEventListener("load", function () {
        item.progress(100);
        var answer = applyAnswer(xhr.responseText);
        if (xhr.status < 300 && !answer.refusal) {
          item.row.className = "upload-done";
          item.say("added");
        } else {
          item.row.className = "upload-failed";
          item.say("not uploaded");
          var why = document.createElement("p");
          why.className = "error-text";
          why.textContent = answer.refusal || "The server refused this file (" + xhr.status + ").";
          item.row.appendChild(why);
        }
        var summary = answer.body.querySelector(".upload-accepted");
        if (summary) result.replaceChildren(document.importNode(summary, true));
        resolve();
      });
      xhr.addEventListener("error", function () {
        item.row.className = "upload-failed";
        item.say("the connection failed; try again");
        resolve();
      });
      xhr.send(data);
    });
  }

  function uploadAll(list) {
    if (busy) return;
    if (list.length > maxFiles) {
      hint.textContent = "Upload at most " + maxFiles + " files at a time.";
      return;
    }
    busy = true;
    submit.disabled = true;
    queue.replaceChildren();
    result.replaceChildren();
    var items = list.map(function (file) { return { file: file, view: queueRow(file) }; });
    // One after another: the first file may create the asset the next ones go into.
    var chain = Promise.resolve();
    items.forEach(function (entry) {
      chain = chain.then(function () {
        syncNewAsset();
        return sendOne(entry.file, entry.view);
      });
    });
    chain.then(function () {
      busy = false;
      submit.disabled = false;
      files.value = "";
      describeFiles();
      syncNewAsset();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var list = Array.prototype.slice.call(files.files);
    if (list.length === 0) {
      hint.textContent = "Choose or drop at least one file.";
      return;
    }
    uploadAll(list);
  });

  form.addEventListener("change", function (event) {
    if (event.target.id === "id_asset") syncNewAsset();
    if (event.target === files) describeFiles();
  });

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    var dropped = event.dataTransfer && event.dataTransfer.files;
    if (!dropped || dropped.length === 0) return;
    files.files = dropped;
    describeFiles();
    var assetSelect = form.querySelector("#id_asset");
    var named = form.querySelector("#id_name").value.trim() && form.querySelector("#id_kind").value;
    if ((assetSelect && assetSelect.value) || named) {
      uploadAll(Array.prototype.slice.call(dropped));
    } else {
      hint.textContent += " Choose an asset, or name the new one and its kind, then press Upload.";
    }
  });

  syncNewAsset();
  describeFiles();
})();
