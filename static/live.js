// Keeps the queue and a request page current without a reload (Server-Sent Events from
// /live). Without this script the pages work as before.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch) return;

  var queue = document.querySelector("[data-live-queue]");
  if (queue) {
    var stamp = null;
    new EventSource("/live?queue=1").addEventListener("changed", function (event) {
      if (stamp === null || event.data === stamp) { stamp = event.data; return; }
      stamp = event.data;
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live-queue]");
          if (fresh) queue.innerHTML = fresh.innerHTML;
        });
    });
  }

  var page = document.querySelector("[data-live-request]");
  if (page) {
    var seen = page.getAttribute("data-version");
    var presence = document.getElementById("presence");
    var changed = document.getElementById("changed");
    var did = { taken: "took this", routed: "routed this", consulted: "consulted on this",
      commented: "commented", waiting: "asked the requester", resumed: "answered",
      resolved: "resolved this", rejected: "rejected this", reopened: "reopened this", edited: "edited this" };
    var source = new EventSource("/live?request=" + encodeURIComponent(page.getAttribute("data-live-request")));
    source.addEventListener("pulse", function (event) {
      var pulse = JSON.parse(event.data);
      if (presence) {
        var names = pulse.viewers;
        presence.textContent = names.length ? names.join(", ") + (names.length > 1 ? " are" : " is") + " looking at this" : "";
        presence.setAttribute("data-viewers", names.length);
      }
      if (changed && String(pulse.version) !== seen) {
        changed.textContent = (pulse.by || "Someone") + " just " + (did[pulse.kind] || "changed this") + ". ";
        var reload = document.createElement("a");
        reload.href = window.location.pathname;
        reload.textContent = "Reload to see it";
        changed.appendChild(reload);
        changed.hidden = false;
        changed.setAttribute("data-changed", pulse.kind);
      }
    });
  }
})();
