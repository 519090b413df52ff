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
