// Campanella: the service worker (installable app, push notifications) and, on the preferences
// page, turning push on or off for this device. Without this file everything else still works.
(function () {
  "use strict";
  var worker = document.querySelector('meta[name="service-worker"]');
  if (!("serviceWorker" in navigator) || !worker) {
    return;
  }
  var registration = navigator.serviceWorker.register(worker.getAttribute("content"), { scope: "/" });

  function csrf() {
    var token = document.querySelector('meta[name="csrf-token"]');
    return token ? token.getAttribute("content") : "";
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var enable = document.getElementById("push-enable");
    var disable = document.getElementById("push-disable");
    var state = document.getElementById("push-state");
    if (!enable || !disable || !("PushManager" in window)) {
      return;
    }
    function say(text) { if (state) { state.textContent = text; } }
    enable.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          say("Le notifiche sono bloccate dal browser: vanno consentite nelle impostazioni del sito.");
          return null;
        }
        return registration.then(function (reg) {
          return reg.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(enable.getAttribute("data-vapid-key"))
          });
        }).then(function (subscription) {
          return post(enable.getAttribute("data-subscribe-url"), subscription.toJSON());
        }).then(function (response) {
          say(response.ok ? "Notifiche push attive su questo dispositivo." : "Attivazione non riuscita.");
        });
      }).catch(function () { say("Attivazione non riuscita."); });
    });
    disable.addEventListener("click", function () {
      registration.then(function (reg) { return reg.pushManager.getSubscription(); })
        .then(function (subscription) {
          if (!subscription) { say("Le notifiche push non erano attive su questo dispositivo."); return null; }
          var endpoint = subscription.endpoint;
          return subscription.unsubscribe().then(function () {
            return post(enable.getAttribute("data-unsubscribe-url"), { endpoint: endpoint });
          }).then(function () { say("Notifiche push disattivate su questo dispositivo."); });
        }).catch(function () { say("Disattivazione non riuscita."); });
    });
  });
})();
