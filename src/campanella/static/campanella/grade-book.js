// The grade book by keyboard (issue 11). Without this file the book still works: Enter sends
// the form and the page comes back with the cursor in the next (or the refused) cell.
// With it: Enter saves without leaving the page, the cursor moves to the next student's cell
// or stays in a refused one, and the status next to each cell (a live region) says what
// happened. The grades already given leave the Tab order: ← from an empty cell reaches them.
(function () {
  "use strict";

  var STATUS_CLASSES = ["cmp-status-error", "cmp-status-saved"];

  function setUp(form) {
    var table = form.querySelector("table");
    var busy = false;
    if (!table || !table.querySelector("input[data-entry]")) {
      return;
    }

    // Only in rows with a cell to type in: elsewhere the links are the way to the grades.
    function chipsOutOfTabOrder() {
      table.querySelectorAll("tr[data-student]").forEach(function (row) {
        if (gradeInputOf(row)) {
          chipsOf(row).forEach(function (chip) {
            chip.setAttribute("tabindex", "-1");
          });
        }
      });
    }

    function rowOf(element) {
      return element.closest("tr[data-student]");
    }

    function entries(kind) {
      return Array.prototype.slice.call(table.querySelectorAll('input[data-entry="' + kind + '"]'));
    }

    function gradeInputOf(row) {
      return row ? row.querySelector('input[data-entry="voto"]') : null;
    }

    function focusField(input) {
      if (input) {
        input.focus();
        input.select();
      }
    }

    // The same column in the row before (-1) or after (+1); nothing past either end.
    function neighbour(input, step) {
      var column = entries(input.getAttribute("data-entry"));
      return column[column.indexOf(input) + step] || null;
    }

    function chipsOf(row) {
      return Array.prototype.slice.call(row.querySelectorAll("a.cmp-chip"));
    }

    // A new status is said even when its text repeats the old one (a live region speaks
    // only when its text changes).
    function say(status, text, kind) {
      STATUS_CLASSES.forEach(function (name) {
        status.classList.toggle(name, name === kind);
      });
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = text;
      }, 50);
    }

    // Bring a row of the answer into the page, keeping the page's own inputs and live regions
    // (replaced ones would neither keep the cursor nor be announced).
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
      fresh.querySelectorAll("input[data-entry]").forEach(function (input) {
        var old = row.querySelector("#" + CSS.escape(input.id));
        if (!old) {
          return;
        }
        old.value = input.value;
        ["aria-invalid", "aria-describedby"].forEach(function (name) {
          if (input.hasAttribute(name)) {
            old.setAttribute(name, input.getAttribute(name));
          } else {
            old.removeAttribute(name);
          }
        });
      });
      var status = fresh.querySelector("[role=status]");
      var current = status && row.querySelector("#" + CSS.escape(status.id));
      if (current && (status.textContent || current.textContent)) {
        var kind = status.classList.contains("cmp-status-error") ? "cmp-status-error" : "cmp-status-saved";
        say(current, status.textContent, kind);
      }
    }

    function whereNext(from, saved) {
      var row = rowOf(from);
      if (!saved) {
        var own = gradeInputOf(row);
        if (own && own.getAttribute("aria-invalid") === "true") {
          return own;
        }
        return table.querySelector('input[aria-invalid="true"]') || from;
      }
      var input = gradeInputOf(row);
      return (input && neighbour(input, 1)) || input || from;
    }

    function fail(from) {
      var status = rowOf(from) && rowOf(from).querySelector("[role=status]");
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
            chipsOutOfTabOrder();
            var summary = document.getElementById("grade-errors");
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

    function onEntryKey(event, input) {
      var kind = input.getAttribute("data-entry");
      if (event.key === "Enter") {
        event.preventDefault();
        save(input);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        var other = neighbour(input, event.key === "ArrowDown" ? 1 : -1);
        if (other) {
          event.preventDefault();
          focusField(other);
        }
      } else if (event.key === "ArrowLeft" && kind === "voto" && input.value === "") {
        var chips = chipsOf(rowOf(input));
        if (chips.length) {
          event.preventDefault();
          chips[chips.length - 1].focus();
        }
      }
    }

    function onChipKey(event, chip) {
      var chips = chipsOf(rowOf(chip));
      var at = chips.indexOf(chip);
      var target = null;
      if (event.key === "ArrowLeft") {
        target = chips[Math.max(at - 1, 0)];
      } else if (event.key === "ArrowRight") {
        target = chips[at + 1] || gradeInputOf(rowOf(chip));
      } else if (event.key === "Home") {
        target = chips[0];
      } else if (event.key === "End") {
        target = chips[chips.length - 1];
      } else if (event.key === "Escape") {
        target = gradeInputOf(rowOf(chip));
      }
      if (target) {
        event.preventDefault();
        target.focus();
      }
    }

    table.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) {
        return;
      }
      var target = event.target;
      if (target.matches("input[data-entry]") && !event.shiftKey) {
        onEntryKey(event, target);
      } else if (target.matches("a.cmp-chip") && rowOf(target) && gradeInputOf(rowOf(target))) {
        onChipKey(event, target);
      }
    });
    chipsOutOfTabOrder();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-grade-book]").forEach(setUp);
  });
})();
