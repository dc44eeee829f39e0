// A teacher's proposals by keyboard (issue 12), like the grade book (grade-book.js). Without
// this file the page still works: Enter sends the form and the page comes back with the
// refused rows marked. With it: Enter saves without leaving the page, the status next to each
// proposal (a live region) says what happened, and the cursor goes to the next student's
// proposal, or to the cell to correct (the proposal, the gaps or the recovery mode).
(function () {
  "use strict";

  var STATUS_CLASSES = ["cmp-status-error", "cmp-status-saved"];

  function setUp(form) {
    var table = form.querySelector("table");
    var busy = false;
    if (!table || !table.querySelector("[data-entry]")) {
      return;
    }

    function rowOf(element) {
      return element.closest("tr[data-student]");
    }

    function column(kind) {
      return Array.prototype.slice.call(table.querySelectorAll('[data-entry="' + kind + '"]'));
    }

    function neighbour(field, step) {
      var cells = column(field.getAttribute("data-entry"));
      return cells[cells.indexOf(field) + step] || null;
    }

    function focusField(field) {
      if (field) {
        field.focus();
        if (field.select) {
          field.select();
        }
      }
    }

    // A live region speaks only when its text changes: empty it first.
    function say(status, text, kind) {
      STATUS_CLASSES.forEach(function (name) {
        status.classList.toggle(name, name === kind);
      });
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = text;
      }, 50);
    }

    // The answer's row into the page, keeping the page's own fields and live regions.
    function updateRow(fresh) {
      var row = table.querySelector('tr[data-student="' + fresh.getAttribute("data-student") + '"]');
      if (!row) {
        return;
      }
      fresh.querySelectorAll("td[data-col]").forEach(function (cell) {
        var old = row.querySelector('td[data-col="' + cell.getAttribute("data-col") + '"]');
        if (old) {
          old.innerHTML = cell.innerHTML;
        }
      });
      fresh.querySelectorAll("[data-entry]").forEach(function (field) {
        var old = row.querySelector("#" + CSS.escape(field.id));
        if (!old) {
          return;
        }
        old.value = field.value;
        ["aria-invalid", "aria-describedby"].forEach(function (name) {
          if (field.hasAttribute(name)) {
            old.setAttribute(name, field.getAttribute(name));
          } else {
            old.removeAttribute(name);
          }
        });
      });
      var badge = fresh.querySelector(".badge");
      var oldBadge = row.querySelector(".badge");
      if (badge && !oldBadge) {
        var input = row.querySelector('[data-entry="proposta"]');
        input.insertAdjacentHTML("afterend", " " + badge.outerHTML);
      }
      var status = fresh.querySelector("[role=status]");
      var current = status && row.querySelector("#" + CSS.escape(status.id));
      if (current && (status.textContent || current.textContent)) {
        var kind = status.classList.contains("cmp-status-error") ? "cmp-status-error" : "cmp-status-saved";
        say(current, status.textContent, kind);
      }
    }

    function whereNext(from, saved) {
      if (!saved) {
        var own = rowOf(from).querySelector('[aria-invalid="true"]');
        return own || table.querySelector('[aria-invalid="true"]') || from;
      }
      var proposal = rowOf(from).querySelector('[data-entry="proposta"]');
      return neighbour(proposal, 1) || proposal;
    }

    function fail(from) {
      var status = rowOf(from).querySelector("[role=status]");
      if (status) {
        say(status, form.getAttribute("data-failed"), "cmp-status-error");
      }
    }

    function save(from) {
      if (busy) {
        return;
      }
      busy = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "Campanella-Fragment": "righe" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.text().then(function (text) {
            var answer = new DOMParser().parseFromString(text, "text/html");
            var outcome = answer.querySelector("table[data-salvato]");
            if (response.status !== 200 || !outcome) {
              throw new Error(String(response.status));
            }
            answer.querySelectorAll("tr[data-student]").forEach(updateRow);
            var summary = document.getElementById("proposal-errors");
            if (summary) {
              summary.remove();
            }
            focusField(whereNext(from, outcome.getAttribute("data-salvato") === "si"));
          });
        })
        .catch(function () {
          fail(from);
        })
        .then(function () {
          busy = false;
        });
    }

    table.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing || event.shiftKey) {
        return;
      }
      var field = event.target;
      if (!field.matches("[data-entry]")) {
        return;
      }
      if (event.key === "Enter") {
        event.preventDefault();
        save(field);
      } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && field.tagName === "INPUT") {
        var other = neighbour(field, event.key === "ArrowDown" ? 1 : -1);
        if (other) {
          event.preventDefault();
          focusField(other);
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-proposals]").forEach(setUp);
  });
})();
