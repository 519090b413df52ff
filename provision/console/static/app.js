// phoneprov console: confirmation prompts and busy buttons; the pages work without it.
document.addEventListener("submit", function (e) {
  var f = e.target;
  var msg = f.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
  var b = f.querySelector("button[type=submit], button:not([type])");
  if (b && f.method.toLowerCase() === "post") {
    setTimeout(function () { b.disabled = true; b.textContent = b.getAttribute("data-busy") || "Working…"; }, 0);
  }
});
// Progress bars: poll their job's progress (GET data-poll) twice a second
// and reload the page once it is finished, to show the result.
(function () {
  var bars = document.querySelectorAll("progress[data-poll]");
  Array.prototype.forEach.call(bars, function (bar) {
    if (bar.hasAttribute("data-finished")) { return; }
    var polls = 0;
    var timer = setInterval(function () {
      if (++polls > 7200) { clearInterval(timer); return; } // one hour at most
      fetch(bar.getAttribute("data-poll"), { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (p) {
        if (!p) { return; }
        if (p.total > 0) { bar.max = p.total; bar.value = p.done; }
        if (p.finished) { clearInterval(timer); window.location.reload(); }
      }).catch(function () {});
    }, 500);
  });
})();
// Device lists: a box that selects every row.
document.addEventListener("change", function (e) {
  if (e.target.id !== "select-all") { return; }
  var boxes = document.querySelectorAll("input[name=mac][form=bulk-form]");
  Array.prototype.forEach.call(boxes, function (b) { b.checked = e.target.checked; });
});
