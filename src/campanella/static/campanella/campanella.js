// Campanella: small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // htmx: keep its indicator styles out of inline <style> (CSP) and send the CSRF token.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) {
      event.detail.headers["X-CSRFToken"] = token.getAttribute("content");
    }
  });
});
