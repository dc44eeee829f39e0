// Campanella's service worker (version {{ version }}).
// 1. Web Push: shows notifications and opens their page on a click.
// 2. Offline reading: keeps a copy of the pages a logged-in user reads and shows it, marked as
//    offline, when the network is gone. The copies belong to one owner only: every page of a
//    logged-in user carries its owner's key (accounts/offline.py); a page without a key (the login
//    page after a logout or an expired session) or with another key drops every copy first.
// 3. The site's own CSS, scripts and icons are served from a local copy and refreshed behind.
"use strict";

var PAGES = "campanella-pages";
var STATIC = "campanella-static-{{ version }}";
var OWNER = "/__campanella_owner__";
var KEY_HEADER = "X-Campanella-Offline-Key";
var KEEP_HEADER = "X-Campanella-Offline";
var SAVED_HEADER = "X-Campanella-Saved-At";
var MAX_PAGES = 60;
var PRECACHE = [{% for url in precache %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var STATIC_PREFIX = "{{ static_prefix|escapejs }}";
var STYLESHEET = "{{ stylesheet|escapejs }}";
var OFFLINE_TEXT = {
  title: "Sei offline",
  intro: "Questa pagina non è stata letta prima di perdere la connessione.",
  saved: "Pagine salvate che puoi leggere:",
  none: "Nessuna pagina salvata su questo dispositivo.",
  retry: "Riprova"
};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC)
      .then(function (cache) { return cache.addAll(PRECACHE); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("campanella-static-") === 0 && name !== STATIC;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  } else if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(staticFile(event, request));
  }
});

function isHtml(response) {
  return (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

function navigate(request) {
  return fetch(request).then(function (response) {
    return remember(request, response.clone()).then(function () { return response; });
  }, function () {
    return offlineCopy(request);
  });
}

// Keeps the page for its owner; forgets every copy when the owner changes or is gone.
function remember(request, response) {
  if (response.type === "opaqueredirect" || !isHtml(response)) { return Promise.resolve(); }
  var key = response.headers.get(KEY_HEADER);
  if (!key) { return caches.delete(PAGES); }
  return ownedCache(key).then(function (cache) {
    if (response.status !== 200 || response.headers.get(KEEP_HEADER) === "no") { return null; }
    return response.text().then(function (body) {
      var headers = new Headers(response.headers);
      headers.set(SAVED_HEADER, new Date().toISOString());
      return cache.delete(request.url)
        .then(function () { return cache.put(request.url, new Response(body, { status: 200, headers: headers })); })
        .then(function () { return trim(cache); });
    });
  });
}

function ownedCache(key) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(OWNER).then(function (owner) {
      return owner ? owner.text() : "";
    }).then(function (current) {
      if (current === key) { return cache; }
      return caches.delete(PAGES).then(function () {
        return caches.open(PAGES);
      }).then(function (fresh) {
        return fresh.put(OWNER, new Response(key)).then(function () { return fresh; });
      });
    });
  });
}

// The oldest copies go first (the cache keeps the order in which pages were put).
function trim(cache) {
  return cache.keys().then(function (requests) {
    var pages = requests.filter(function (r) { return new URL(r.url).pathname !== OWNER; });
    var extra = pages.slice(0, Math.max(0, pages.length - MAX_PAGES));
    return Promise.all(extra.map(function (r) { return cache.delete(r); }));
  });
}

function offlineCopy(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request.url).then(function (copy) {
      return copy ? marked(copy) : offlinePage(cache);
    });
  });
}

function savedWhen(copy) {
  var saved = new Date(copy.headers.get(SAVED_HEADER) || Date.now());
  return saved.toLocaleString("it-IT", {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit"
  });
}

// Shows the banner the page carries (hidden online) with the moment the copy was read.
function marked(copy) {
  return copy.text().then(function (body) {
    var html = body
      .replace("data-offline-banner hidden", "data-offline-banner")
      .replace("<span data-offline-when></span>", "<span data-offline-when>" + savedWhen(copy) + "</span>");
    return new Response(html, { status: 200, headers: copy.headers });
  });
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
  });
}

function pageTitle(copy) {
  return copy.text().then(function (body) {
    var found = /<title>([^<]*)<\/title>/.exec(body);
    return found ? found[1].trim() : new URL(copy.url).pathname;
  });
}

// A page never read before: say so, and list what can be read offline.
function offlinePage(cache) {
  return cache.keys().then(function (requests) {
    var pages = requests.filter(function (r) { return new URL(r.url).pathname !== OWNER; });
    return Promise.all(pages.map(function (r) {
      return cache.match(r).then(function (copy) {
        return pageTitle(copy).then(function (title) {
          return "<li><a href=\"" + escapeHtml(new URL(r.url).pathname + new URL(r.url).search) + "\">" + title + "</a></li>";
        });
      });
    }));
  }).then(function (items) {
    var list = items.length
      ? "<p>" + OFFLINE_TEXT.saved + "</p><ul>" + items.join("") + "</ul>"
      : "<p>" + OFFLINE_TEXT.none + "</p>";
    var html = "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\">" +
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
      "<title>" + OFFLINE_TEXT.title + " · Campanella</title>" +
      "<link rel=\"stylesheet\" href=\"" + STYLESHEET + "\"></head><body>" +
      "<main id=\"main\" class=\"container py-4\"><h1>" + OFFLINE_TEXT.title + "</h1>" +
      "<p>" + OFFLINE_TEXT.intro + "</p>" + list +
      "<p><a href=\"\">" + OFFLINE_TEXT.retry + "</a></p></main></body></html>";
    return new Response(html, {
      status: 503,
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": "default-src 'self'"
      }
    });
  });
}

function staticFile(event, request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) { return cache.put(request, response.clone()).then(function () { return response; }); }
        return response;
      });
      if (hit) {
        event.waitUntil(fresh.catch(function () { return null; }));
        return hit;
      }
      return fresh;
    });
  });
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Campanella", {
    body: data.body || "",
    tag: data.tag,
    icon: "{{ icon }}",
    data: { url: data.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.openWindow(url));
});
