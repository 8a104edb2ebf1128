// Live exercise views: keeps the clock ticking and reloads the live part of the page when the
// server says the exercise changed (server-sent events). Progressive enhancement: without this
// script the page refreshes itself (a <noscript> refresh) and every form works.
(function () {
  'use strict';
  var live = document.getElementById('live');
  if (!live || !window.EventSource) return;
  var seq = null, pending = false, base = null;
  function fmt(s) {
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return d > 0 ? 'T+' + d + 'd' + two(h) + 'h' + two(m) + 'm' : 'T+' + h + 'h' + two(m) + 'm';
  }
  function busy() {
    // Never replace a form someone is filling in; refresh when they leave it.
    var a = document.activeElement;
    return a && live.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName);
  }
  function reload() {
    if (busy()) { pending = true; return; }
    pending = false;
    fetch(live.getAttribute('data-live'), { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { live.innerHTML = html; live.setAttribute('data-seq', String(seq)); } })
      .catch(function () {});
  }
  live.addEventListener('focusout', function () { if (pending) setTimeout(reload, 0); });
  function tick(data) {
    var clock = live.querySelector('.exercise-clock .clock-t');
    if (clock && typeof data.seconds === 'number') clock.textContent = fmt(data.seconds);
  }
  var source = new EventSource(live.getAttribute('data-events'));
  source.addEventListener('update', function (e) {
    var data = JSON.parse(e.data);
    if (seq !== null && data.seq !== seq) { seq = data.seq; reload(); } else { seq = data.seq; }
    tick(data);
  });
  source.addEventListener('tick', function (e) { tick(JSON.parse(e.data)); });
  // The page itself was rendered at the current sequence number; the first update may be
  // newer if something happened in between.
  base = live.getAttribute('data-seq');
  if (base !== null) seq = parseInt(base, 10);
})();
