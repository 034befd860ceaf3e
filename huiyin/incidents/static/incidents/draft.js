/* Huiyin incidents: a form marked data-hy-draft keeps what was typed on this device while the
   page is open or reloaded after a lost connection; sending the form clears the draft.
   Hidden fields, the CSRF token and file inputs are never kept. */
(function () {
  "use strict";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }
  document.querySelectorAll("form[data-hy-draft]").forEach(function (form) {
    var key = "hy-draft:" + form.getAttribute("data-hy-draft");
    var bound = form.querySelector(".is-invalid, .hy-field-error");
    function fields() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.type !== "hidden" && el.type !== "file" && el.type !== "submit" &&
          el.type !== "button" && el.name !== "csrfmiddlewaretoken";
      });
    }
    function save() {
      var data = {};
      fields().forEach(function (el) {
        data[el.name] = (el.type === "checkbox" || el.type === "radio") ? el.checked : el.value;
      });
      try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* full or disabled */ }
    }
    if (!bound) {
      var saved = null;
      try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
      if (saved) {
        fields().forEach(function (el) {
          if (!(el.name in saved)) { return; }
          if (el.type === "checkbox" || el.type === "radio") { el.checked = !!saved[el.name]; }
          else { el.value = saved[el.name]; }
        });
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () { store.removeItem(key); });
  });
})();
