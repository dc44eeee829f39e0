// The office's admin: name select2's comboboxes (autocomplete fields) by their field label.
// select2 labels its combobox and the box of the value with the chosen value only, so an empty
// field has no name (axe: aria-input-field-name) and a filled one does not say which field it is.
(function () {
  "use strict";

  function labelOf(select) {
    var label = select.labels && select.labels[0];
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = select.id + "-label";
    }
    return label;
  }

  function nameComboboxes(root) {
    var selects = (root || document).querySelectorAll("select.admin-autocomplete");
    Array.prototype.forEach.call(selects, function (select) {
      var container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) {
        return;
      }
      var combobox = container.querySelector('[role="combobox"]');
      var label = labelOf(select);
      if (!combobox || !label) {
        return;
      }
      var rendered = container.querySelector(".select2-selection__rendered");
      var ids = [label.id];
      if (rendered && rendered.id) {
        ids.push(rendered.id);
        // The value's own box (role textbox) is named by the field's label too.
        rendered.setAttribute("aria-labelledby", label.id);
      }
      combobox.setAttribute("aria-labelledby", ids.join(" "));
    });
  }

  function start() {
    nameComboboxes(document);
    // Inline rows added later and select2 set up after this script get their names too.
    var pending = false;
    new MutationObserver(function () {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(function () {
          pending = false;
          nameComboboxes(document);
        });
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
