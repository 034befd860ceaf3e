/* Huiyin: send Django's CSRF token with every htmx request, and the small behaviours that
 * templates ask for with data- attributes (the Content-Security-Policy allows no inline script,
 * no on*= handler and no style="" attribute):
 *   data-hy-print           a click prints the page
 *   data-hy-back            a click goes back one page (the href is the fallback)
 *   data-hy-autosubmit      a change submits the element's form
 *   data-hy-width="42"      the element's width, in percent (progress bars)
 *   data-hy-drop-empty      on an htmx form: empty fields are left out of the request */
(function () {
  "use strict";

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var item = parts[i].trim();
      if (item.indexOf(name + "=") === 0) {
        return decodeURIComponent(item.slice(name.length + 1));
      }
    }
    return null;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return cookie("csrftoken") || (meta && meta.getAttribute("content")) || null;
  }

  function dropEmptyFields(formData) {
    var keys = [];
    formData.forEach(function (value, key) {
      if (keys.indexOf(key) < 0) keys.push(key);
    });
    keys.forEach(function (key) {
      var kept = formData.getAll(key).filter(function (value) {
        return value !== "";
      });
      formData.delete(key);
      kept.forEach(function (value) {
        formData.append(key, value);
      });
    });
  }

  function applyWidths(root) {
    var nodes = root.querySelectorAll ? root.querySelectorAll("[data-hy-width]") : [];
    var all = Array.prototype.slice.call(nodes);
    if (root.hasAttribute && root.hasAttribute("data-hy-width")) all.push(root);
    all.forEach(function (node) {
      var percent = parseFloat(node.getAttribute("data-hy-width"));
      if (!isNaN(percent)) {
        node.style.width = Math.max(0, Math.min(100, percent)) + "%";
      }
    });
  }

  function install() {
    document.body.addEventListener("htmx:configRequest", function (event) {
      var token = csrfToken();
      if (token) {
        event.detail.headers["X-CSRFToken"] = token;
      }
      // Leave the empty filters out of the request, so the pushed address stays readable.
      var elt = event.detail.elt;
      if (elt && elt.closest && elt.closest("[data-hy-drop-empty]") && event.detail.formData) {
        dropEmptyFields(event.detail.formData);
      }
    });

    document.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target : event.target.parentElement;
      if (!target) return;
      if (target.closest("[data-hy-print]")) {
        event.preventDefault();
        window.print();
      } else if (target.closest("[data-hy-back]") && window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });

    document.addEventListener("change", function (event) {
      var field = event.target;
      if (field.form && field.hasAttribute && field.hasAttribute("data-hy-autosubmit")) {
        field.form.submit();
      }
    });

    applyWidths(document);
    if (typeof htmx !== "undefined") {
      htmx.onLoad(applyWidths);
    }
  }

  if (document.body) {
    install();
  } else {
    document.addEventListener("DOMContentLoaded", install);
  }
})();

// The petition list's selection: "select all" ticks the boxes of its form on this page, a
// matter ticked in the table is ticked in its card too, and the bar counts the selection.
(function () {
  "use strict";

  function boxes(formId) {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[data-hy-select][form="' + formId + '"]')
    );
  }

  function count(formId) {
    var label = document.querySelector('[data-hy-selected-count="' + formId + '"]');
    if (!label) return;
    var seen = {};
    boxes(formId).forEach(function (box) {
      if (box.checked) seen[box.value] = true;
    });
    var n = Object.keys(seen).length;
    if (!label.hasAttribute("data-hy-idle")) label.setAttribute("data-hy-idle", label.textContent);
    label.textContent = n
      ? label.getAttribute("data-hy-template").replace("%(count)s", String(n))
      : label.getAttribute("data-hy-idle");
  }

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.hasAttribute) return;
    var formId = field.getAttribute("data-hy-select-all");
    if (formId) {
      boxes(formId).forEach(function (box) {
        box.checked = field.checked;
      });
      count(formId);
    } else if (field.hasAttribute("data-hy-select")) {
      formId = field.getAttribute("form");
      boxes(formId).forEach(function (box) {
        if (box.value === field.value) box.checked = field.checked;
      });
      count(formId);
    }
  });
})();
