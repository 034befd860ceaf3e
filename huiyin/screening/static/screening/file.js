/* The screening report's dispute rows: each row shows the fields of the way it is chosen —
 * a dispute on record (its number) or a new one (title, type, day, description). Without
 * this script every field shows, and the server reads only those of the chosen way.
 *   <select data-screening-mode>           the row's choice ("link" or "new")
 *   <div data-screening-group="link|new">  the fields of each way, inside the same fieldset */
(function () {
  "use strict";

  function apply(select) {
    var row = select.closest("fieldset");
    if (!row) return;
    var groups = row.querySelectorAll("[data-screening-group]");
    Array.prototype.forEach.call(groups, function (group) {
      group.classList.toggle("d-none", group.getAttribute("data-screening-group") !== select.value);
    });
  }

  function install() {
    var selects = document.querySelectorAll("select[data-screening-mode]");
    Array.prototype.forEach.call(selects, apply);
    document.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("select[data-screening-mode]")) {
        apply(event.target);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", install);
  } else {
    install();
  }
})();
