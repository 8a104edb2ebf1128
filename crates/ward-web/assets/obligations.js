// Live countdowns for reporting obligations, and the print button of report pages.
// Progressive enhancement: without this script every page shows the due instant and the
// countdown as rendered by the server.
(function () {
  'use strict';
  function span(seconds) {
    var a = Math.abs(seconds);
    // Hours up to four days (as the server renders them), days beyond; seconds while it ticks.
    var d = Math.floor(a / 86400), h = Math.floor((a % 86400) / 3600), total = Math.floor(a / 3600),
      m = Math.floor((a % 3600) / 60), s = Math.floor(a % 60);
    if (d >= 4) return d + ' d ' + h + ' h';
    if (total > 0) return total + ' h ' + m + ' min ' + s + ' s';
    return m + ' min ' + s + ' s';
  }
  function tick() {
    var now = Date.now();
    var items = document.querySelectorAll('.countdown[data-due]');
    for (var i = 0; i < items.length; i++) {
      var due = Date.parse(items[i].getAttribute('data-due'));
      if (isNaN(due)) continue;
      var left = Math.round((due - now) / 1000);
      items[i].textContent = left >= 0 ? '(in ' + span(left) + ')' : '(' + span(left) + ' ago)';
      items[i].classList.toggle('past', left < 0);
    }
  }
  tick();
  setInterval(tick, 1000);
  var buttons = document.querySelectorAll('[data-print]');
  for (var j = 0; j < buttons.length; j++) {
    buttons[j].addEventListener('click', function () { window.print(); });
  }
})();
