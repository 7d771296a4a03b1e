// The re-ID review page: keys 1-9 (same deer as that candidate), r (not the first candidate),
// n (new individual), s (skip), u (undo) press the button marked data-key; htmx posts the decision
// and swaps the confirmation and the next item into #review-pane.
(function () {
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const pane = document.getElementById("review-pane");
    if (!pane || pane.classList.contains("busy")) return;
    const button = pane.querySelector('button[data-key="' + CSS.escape(event.key.toLowerCase()) + '"]');
    if (!button) return;
    event.preventDefault();
    button.click();
  });
  // While a decision is on its way the old item is no longer "the" item: it loses its id, so that
  // nothing (a person or a test) takes it for the next one, and a second key press is ignored.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const pane = document.getElementById("review-pane");
    if (!pane || !pane.contains(event.target)) return;
    pane.classList.add("busy");
    const item = document.getElementById("review-item");
    if (item) item.id = "review-item-leaving";
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const pane = document.getElementById("review-pane");
    if (!pane) return;
    pane.classList.remove("busy");
    const leaving = document.getElementById("review-item-leaving");
    if (leaving && !event.detail.successful) leaving.id = "review-item";
  });
})();
