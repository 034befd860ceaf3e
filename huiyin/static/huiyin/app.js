/* Huiyin: send Django's CSRF token with every htmx request. */
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

  function install() {
    document.body.addEventListener("htmx:configRequest", function (event) {
      var token = csrfToken();
      if (token) {
        event.detail.headers["X-CSRFToken"] = token;
      }
    });
  }

  if (document.body) {
    install();
  } else {
    document.addEventListener("DOMContentLoaded", install);
  }
})();
