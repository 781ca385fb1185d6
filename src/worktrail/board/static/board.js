// The board works without this file (links and plain forms); htmx makes it live, and this says
// when the live stream is lost (the SSE extension reconnects by itself) or the session ended.
(function () {
  "use strict";
  var lost = false;
  function banner(show) {
    var el = document.getElementById("offline");
    if (el) { el.hidden = !show; }
  }
  document.addEventListener("htmx:sseError", function () { lost = true; banner(true); });
  document.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail && event.detail.source;
    if (source && !source.worktrailEnded) {  // the session is over (logout, expiry, a revoked key)
      source.worktrailEnded = true;
      source.addEventListener("ended", function () { source.close(); window.location.assign("/login"); });
    }
    banner(false);
    if (lost) {  // changes may have landed while the stream was away: read the page once more
      lost = false;
      var live = document.getElementById("live");
      if (live && window.htmx) { window.htmx.trigger(live, "sse:change"); }
    }
  });
  // Each <time> shows the moment in the reader's own time zone on hover (without this file, UTC).
  function localTimes() {
    var times = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var at = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(at.getTime())) { times[i].title = at.toLocaleString(); }
    }
  }
  localTimes();
  document.addEventListener("htmx:afterSettle", localTimes);
  // A form sends once: a second click while it is on its way does nothing (the server makes a
  // second send harmless anyway, by the form's idempotency key).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
  });
})();
