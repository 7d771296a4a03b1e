// Keyboard review on the detections page: j/k move, b/d/f/u set the class, c confirms,
// x marks invalid, space selects for the batch form. Buttons do the work (htmx posts them).
(function () {
  const keys = { b: "class:buck", d: "class:doe", f: "class:fawn", u: "class:unknown", c: "confirm", x: "invalid" };
  let current = 0;
  const cards = () => Array.from(document.querySelectorAll(".det-card"));
  function focus(index) {
    const list = cards();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((card, i) => card.classList.toggle("focused", i === current));
    list[current].scrollIntoView({ block: "nearest" });
  }
  function updateSelected() {
    const counter = document.getElementById("selected-count");
    if (counter) counter.textContent = document.querySelectorAll(".det-card input.select:checked").length;
  }
  // "Select all N matching": the buttons then act on every detection the filter selects, not only the ticked cards
  function updateAllMatching() {
    const all = document.getElementById("all-matching");
    if (!all) return;
    const count = document.getElementById("matching-count").textContent;
    document.querySelectorAll(".det-card input.select").forEach((box) => { box.disabled = all.checked; });
    const exportButton = document.getElementById("export-submit");
    if (exportButton) exportButton.textContent = all.checked ? `Export all ${count} matching` : "Export selected";
    const batchButton = document.getElementById("batch-submit");
    if (batchButton) batchButton.textContent = all.checked ? `Apply to all ${count} matching` : "Apply to selected";
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("input.select")) updateSelected();
    if (event.target.id === "all-matching") updateAllMatching();
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    const card = cards()[current];
    if (event.key === "j") { focus(current + 1); event.preventDefault(); }
    else if (event.key === "k") { focus(current - 1); event.preventDefault(); }
    else if (event.key === " " && card) {
      const box = card.querySelector("input.select");
      if (box) { box.checked = !box.checked; updateSelected(); }
      event.preventDefault();
    } else if (keys[event.key] && card) {
      const button = card.querySelector(`button[value="${keys[event.key]}"]`);
      if (button) { button.click(); event.preventDefault(); }
    }
  });
  // after htmx swaps a reviewed card in, keep the focus on it and move on to the next one
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "review-progress") { updateAllMatching(); return; }  // statistics loaded
    focus(current + 1); updateSelected();
  });
  document.addEventListener("DOMContentLoaded", () => focus(0));
})();
