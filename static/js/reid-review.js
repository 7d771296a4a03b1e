// The re-ID review page: keys 1-9 (same deer as that candidate), r (not the first candidate),
// n (new individual), s (skip), u (undo) press the button marked data-key; htmx posts the decision
// and swaps the confirmation and the next item into #review-pane.
//
// The pane takes keys only while it is marked data-ready: from when htmx has wired up its forms until
// a decision leaves, and again once the next item has settled. A key pressed in between (before htmx
// started, or in the moment after a swap when the new forms are not wired yet) would otherwise post
// the form without htmx and reload the whole page.
(function () {
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }
  function pane() {
    return document.getElementById("review-pane");
  }
  function ready() {
    const p = pane();
    if (p) p.setAttribute("data-ready", "");
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const p = pane();
    if (!p || !p.hasAttribute("data-ready")) return;
    const button = p.querySelector('button[data-key="' + CSS.escape(event.key.toLowerCase()) + '"]');
    if (!button) return;
    event.preventDefault();
    button.click();
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target === document.body) ready(); // htmx has processed the page
  });
  // While a decision is on its way the old item is no longer "the" item: it loses its id, so that
  // nothing (a person or a test) takes it for the next one, and a second key press is ignored.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const p = pane();
    if (!p || !p.contains(event.target)) return;
    p.removeAttribute("data-ready");
    p.classList.add("busy");
    const item = document.getElementById("review-item");
    if (item) item.id = "review-item-leaving";
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const p = pane();
    if (!p) return;
    p.classList.remove("busy");
    const leaving = document.getElementById("review-item-leaving");
    if (!event.detail.successful) {
      if (leaving) leaving.id = "review-item";
      ready();
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target === pane()) ready();
  });
})();
