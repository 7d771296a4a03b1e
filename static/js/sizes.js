// Bar sizes from data attributes: data-width="40" sets width 40%, data-height="40" height 40%.
// The Content-Security-Policy allows no style attribute; setting element.style from a script is
// allowed. Runs on the page and on every piece of it that htmx swaps in.
(function () {
  const SELECTOR = "[data-width], [data-height]";
  function apply(root) {
    const elements = Array.from(root.querySelectorAll(SELECTOR));
    if (root.matches && root.matches(SELECTOR)) elements.push(root);
    for (const element of elements) {
      if (element.dataset.width !== undefined) element.style.width = element.dataset.width + "%";
      if (element.dataset.height !== undefined) element.style.height = element.dataset.height + "%";
    }
  }
  htmx.onLoad(apply);
})();
