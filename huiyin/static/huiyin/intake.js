/* Huiyin intake form: add/remove petitioner rows, keyboard handling, the "assigned" fields.
 * Vanilla JS; the form works without it (one petitioner row, Enter submits). */
(function () {
  "use strict";

  var form = document.getElementById("intake-form");
  if (!form) {
    return;
  }
  var rows = document.getElementById("petitioners");
  var template = document.getElementById("petitioner-template");
  var total = form.querySelector('input[name$="-TOTAL_FORMS"]');
  var maxForms = form.querySelector('input[name$="-MAX_NUM_FORMS"]');

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (
        !el.disabled &&
        el.type !== "hidden" &&
        el.tabIndex !== -1 &&
        el.offsetParent !== null &&
        !(el.type === "radio" && !el.checked)
      );
    });
  }

  function focusNext(current) {
    var list = fields();
    var i = list.indexOf(current);
    if (i >= 0 && i + 1 < list.length) {
      list[i + 1].focus();
      if (list[i + 1].select && list[i + 1].type === "text") {
        list[i + 1].select();
      }
    }
  }

  function addRow() {
    var index = parseInt(total.value, 10);
    if (maxForms && index >= parseInt(maxForms.value, 10)) {
      return null;
    }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    if (window.htmx) {
      window.htmx.process(row);
    }
    var first = row.querySelector("input[type=text]");
    if (first) {
      first.focus();
    }
    return row;
  }

  document.getElementById("add-petitioner").addEventListener("click", function () {
    addRow();
  });

  // Removing a row leaves a gap in the numbering: the server skips rows it does not receive.
  rows.addEventListener("click", function (event) {
    var button = event.target.closest(".hy-remove-petitioner");
    if (!button) {
      return;
    }
    var all = rows.querySelectorAll(".hy-petitioner");
    var row = button.closest(".hy-petitioner");
    if (all.length <= 1) {
      row.querySelectorAll("input").forEach(function (input) {
        if (input.type === "checkbox") {
          input.checked = false;
        } else {
          input.value = "";
        }
      });
      row.querySelector(".hy-similar").innerHTML = "";
      return;
    }
    row.remove();
  });

  // Enter moves on instead of submitting half a form; Ctrl+Enter (or the button) registers.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) {
      return;
    }
    var target = event.target;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
      return;
    }
    if (target.tagName === "TEXTAREA" || target.tagName === "BUTTON" || target.type === "submit") {
      return;
    }
    event.preventDefault();
    var row = target.closest(".hy-petitioner");
    var lastRow = rows.lastElementChild;
    // Enter in the last field of the last row starts a new petitioner row.
    if (row && row === lastRow && target.type === "checkbox") {
      addRow();
      return;
    }
    focusNext(target);
  });

  // The sender and document number only for a matter assigned from above.
  var assigned = document.getElementById("intake-assigned");
  form.addEventListener("change", function (event) {
    if (event.target.name === "channel" && assigned) {
      var show = event.target.value === "assigned";
      assigned.classList.toggle("d-none", !show);
    }
  });

  // The duplicate hint offers to mark the new petition as a repeat of an earlier one.
  form.addEventListener("click", function (event) {
    var button = event.target.closest(".hy-use-repeat");
    if (!button) {
      return;
    }
    var repeat = document.getElementById("id_repeat_of");
    if (repeat) {
      repeat.value = button.getAttribute("data-number");
      repeat.focus();
    }
  });

  // One click, one petition: a double click would register the matter twice.
  form.addEventListener("submit", function () {
    var button = document.getElementById("intake-submit");
    window.setTimeout(function () {
      button.disabled = true;
    }, 0);
  });

  // After a refused submit, start where the first problem is.
  var invalid = form.querySelector(".is-invalid");
  if (invalid) {
    invalid.focus();
  }
})();
