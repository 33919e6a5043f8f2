// Shot plan form: htmx posts the fields to the preview endpoint as you type (lint warnings and
// the assembled prompts); this script adds the Ctrl+Enter shortcut to save.
(function () {
  "use strict";
  var form = document.getElementById("plan-form");
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
