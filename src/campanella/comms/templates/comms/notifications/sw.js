// Campanella's service worker: shows Web Push notifications and opens their page on a click.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Campanella", {
    body: data.body || "",
    tag: data.tag,
    icon: "/static/campanella/favicon.svg",
    data: { url: data.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.openWindow(url));
});
