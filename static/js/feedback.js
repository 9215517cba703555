// The live room: one EventSource per browser. Events carry no content ("changed, version V");
// on each, the browser re-fetches its own server-rendered fragment. One exception: when the
// change to V was only someone else writing an item, the event also carries the round's
// "N of M have written" ("V N/M"), and a page still at V-1 updates that count in place. If the stream fails the
// fragment polls every 3 seconds and the stream is retried. The timer counts down from the
// server-held seconds left rendered into the fragment.
(function () {
  "use strict";
  // Strings go through Django's JavaScript catalogue (the /jsi18n/ script base.html loads
  // first, in the reader's language). If it did not load, the English text, never an error.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (singular, plural, count) {
    return count === 1 ? singular : plural;
  };
  var interpolate = window.interpolate || function (format, values, named) {
    if (named) {
      return format.replace(/%\(\w+\)s/g, function (match) { return String(values[match.slice(2, -2)]); });
    }
    var list = values.slice();
    return format.replace(/%s/g, function () { return String(list.shift()); });
  };
  var room = document.getElementById("room-live");
  if (!room) return;
  var status = document.getElementById("live-status");
  var source = null;
  var pollTimer = null;
  var retryTimer = null;
  var graceTimer = null;
  // Longer than the longest `retry:` the stream sends (20 s) and a restart: a stream cut by a
  // deploy is back before the room would poll (thousands of rooms polling every 3 s kept the
  // restarted processes from opening their streams: bench/README.md, "Issue 26, fifth round").
  var RECONNECT_GRACE_MS = 25000;
  var pending = false;

  function currentVersion() {
    var state = document.getElementById("state");
    return state ? parseInt(state.getAttribute("data-version") || "0", 10) : 0;
  }
  var again = false;
  // The newest version an event announced: a refresh that lands with it (or newer) already
  // shows every change heard of meanwhile, so the events that came during it need no other.
  // refresh(true): a change that names no version (the circle ended): fetch after any in flight.
  var wanted = 0;
  var must = false;
  function refresh(v) {
    if (v === true) must = true;
    else if (v) wanted = Math.max(wanted, v);
    if (pending) { again = true; return; }  // one more when the current one lands, if needed
    pending = true;
    again = false;
    must = false;
    htmx.trigger(room, "refresh");
  }
  // A click is a press and a release: a re-render landing between the two would take the
  // button away under the pointer, and the click with it. While a pointer is down in the
  // room, a refresh is not swapped in; it is fetched again once the pointer is up (the
  // click's own request, if any, goes first).
  var pressed = false;
  var held = false;
  room.addEventListener("pointerdown", function () { pressed = true; }, true);
  function released() {
    if (!pressed) return;
    pressed = false;
    if (held) { held = false; setTimeout(function () { refresh(true); }, 0); }
  }
  document.addEventListener("pointerup", released, true);
  document.addEventListener("pointercancel", released, true);
  // Never let an older render (a refresh that crossed a POST) replace a newer one.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target !== room || !event.detail.xhr) return;
    if (pressed && event.detail.elt === room) {
      event.detail.shouldSwap = false;
      held = true;
      return;
    }
    var match = /data-version="(\d+)"/.exec(event.detail.xhr.responseText || "");
    if (match && parseInt(match[1], 10) < currentVersion()) {
      event.detail.shouldSwap = false;
      again = true;
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt === room) {
      pending = false;
      if (again && (must || !wanted || currentVersion() < wanted || !event.detail.successful)) {
        setTimeout(refresh, 0);
      }
      again = false;
      if (!event.detail.successful) {
        // A missed refresh (network loss): keep trying until one succeeds.
        startPolling();
      } else if (source && source.readyState === EventSource.OPEN) {
        stopPolling();
      }
    }
    var form = event.detail.elt;
    if (form && form.hasAttribute && form.hasAttribute("data-compose") && event.detail.successful) {
      var area = document.querySelector("#room-live textarea[name=text]");
      if (area) area.value = "";
    }
  });
  // "N/M" for version v, on a page that shows the count: update it, and the page's version.
  function writtenCount(v, counts) {
    var state = document.getElementById("state");
    var el = state && state.querySelector(".written-count");
    var match = /^(\d+)\/(\d+)$/.exec(counts);
    if (!el || !match) return false;
    el.setAttribute("data-written", match[1]);
    el.setAttribute("data-expected", match[2]);
    var strong = document.createElement("strong");
    strong.textContent = interpolate(gettext("%(written)s of %(expected)s"),
      {written: match[1], expected: match[2]}, true);
    el.replaceChild(strong, el.firstElementChild || el.firstChild);
    state.setAttribute("data-version", String(v));
    return true;
  }
  function say(text) { if (status) status.textContent = text; }
  // Polling starts when the stream is refused, or dropped and not back within the grace:
  // each browser starts its 3-second polling at its own random offset and retries a refused
  // stream after its own 5 to 15 seconds (the server's `retry:` spreads reconnects the same way).
  function startPolling() {
    if (pollTimer) return;
    say(gettext("Live updates interrupted: refreshing every 3 seconds."));
    pollTimer = setTimeout(function () {
      refresh();
      pollTimer = setInterval(refresh, 3000);
    }, Math.random() * 3000);
  }
  function stopPolling() {
    // One timer id either way: a timeout until the first poll, an interval after it.
    if (pollTimer) { clearTimeout(pollTimer); clearInterval(pollTimer); pollTimer = null; }
  }
  function retryLater() { retryTimer = setTimeout(connect, 5000 + Math.random() * 10000); }
  function connect() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    if (source) source.close();
    source = new EventSource(room.getAttribute("data-stream-url"));
    source.addEventListener("open", function () { stopPolling(); say(gettext("Live.")); });
    // The first event after (re)connecting carries the current version: a browser that
    // missed anything re-renders from the database.
    source.addEventListener("changed", function (event) {
      var parts = (event.data || "").split(" ");
      var v = parseInt(parts[0] || "0", 10);
      if (v && v <= currentVersion()) return;  // already shown (a POST's render got here first)
      if (v && parts[1] && !pending && v === currentVersion() + 1 && writtenCount(v, parts[1])) return;
      refresh(v || true);  // a change that names no version: fetched whatever is in flight
    });
    source.addEventListener("ended", function () { source.close(); refresh(true); say(gettext("This circle has ended.")); });
    source.addEventListener("fallback", function () { source.close(); startPolling(); retryLater(); });
    source.addEventListener("error", function () {
      // A refused stream (an error status) closes for good: poll and try again later.
      // (With Redis down the stream says so itself: the "fallback" event above.)
      if (source.readyState === EventSource.CLOSED) { startPolling(); retryLater(); return; }
      // A dropped one (a deploy drops every stream at once) is reconnected by the browser
      // after the server's `retry:`, and its first event re-renders whatever was missed:
      // poll only if it is still not back after RECONNECT_GRACE_MS, so that thousands of
      // browsers do not poll a restarting server while they reconnect anyway.
      if (!graceTimer) {
        graceTimer = setTimeout(function () {
          graceTimer = null;
          if (!source || source.readyState !== EventSource.OPEN) startPolling();
        }, RECONNECT_GRACE_MS);
      }
    });
  }
  connect();
  // Coming back from sleep or a network loss: re-render from the database straight away.
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  window.addEventListener("online", function () { refresh(); connect(); });

  var timerBase = null;
  function resetTimer() { timerBase = performance.now(); tick(); }
  function tick() {
    var el = document.querySelector("#state .timer");
    if (!el) return;
    var left = el.getAttribute("data-seconds-left");
    var out = el.querySelector(".timer-value");
    if (left === "" || !out) return;
    var seconds = parseInt(left, 10);
    if (el.getAttribute("data-paused") !== "1" && timerBase !== null) {
      seconds = Math.max(0, seconds - Math.floor((performance.now() - timerBase) / 1000));
    }
    var m = Math.floor(seconds / 60), s = seconds % 60;
    out.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    el.classList.toggle("overtime", seconds === 0);
  }
  document.body.addEventListener("htmx:afterSwap", function (event) { if (event.detail.target === room) resetTimer(); });
  resetTimer();
  setInterval(tick, 1000);
})();
