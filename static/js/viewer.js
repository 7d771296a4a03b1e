// The image viewer (templates/detections/viewer.html): zoom and pan (wheel, drag, + - 0, arrows),
// previous/next (j/k in the list, [ ] in the burst), the review keys of the grid (b d f u c x), z undo,
// and e to draw a box on the image (fills the box form: save as this box, or add as a new one).
(function () {
  const stage = document.getElementById("stage");
  const canvas = document.getElementById("canvas");
  if (!stage || !canvas) return;
  const width = Number(canvas.dataset.width), height = Number(canvas.dataset.height);
  const view = { scale: 1, x: 0, y: 0, fit: 1 };
  let drawing = false, drag = null;

  function apply() {
    canvas.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    stage.dataset.scale = (view.scale / view.fit).toFixed(2);
  }
  function fit() {
    view.fit = Math.min(stage.clientWidth / width, stage.clientHeight / height);
    view.scale = view.fit;
    view.x = (stage.clientWidth - width * view.scale) / 2;
    view.y = (stage.clientHeight - height * view.scale) / 2;
    apply();
  }
  function zoom(factor, cx = stage.clientWidth / 2, cy = stage.clientHeight / 2) {
    const scale = Math.min(view.fit * 16, Math.max(view.fit * 0.5, view.scale * factor));
    view.x = cx - ((cx - view.x) * scale) / view.scale;
    view.y = cy - ((cy - view.y) * scale) / view.scale;
    view.scale = scale;
    apply();
  }
  function pan(dx, dy) { view.x += dx; view.y += dy; apply(); }
  function imagePoint(event) {
    const rect = stage.getBoundingClientRect();
    const px = (event.clientX - rect.left - view.x) / view.scale;
    const py = (event.clientY - rect.top - view.y) / view.scale;
    return [Math.max(0, Math.min(width, px)), Math.max(0, Math.min(height, py))];
  }

  stage.addEventListener("wheel", (event) => {
    event.preventDefault();
    const rect = stage.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });

  const draft = document.getElementById("draft");
  const form = document.getElementById("box-form");
  function setDraft(a, b) {
    const x = Math.round(Math.min(a[0], b[0])), y = Math.round(Math.min(a[1], b[1]));
    const w = Math.max(1, Math.round(Math.abs(a[0] - b[0]))), h = Math.max(1, Math.round(Math.abs(a[1] - b[1])));
    draft.setAttribute("x", x); draft.setAttribute("y", y);
    draft.setAttribute("width", w); draft.setAttribute("height", h);
    if (form) {
      form.elements.x.value = x; form.elements.y.value = y;
      form.elements.width.value = w; form.elements.height.value = h;
    }
  }
  stage.addEventListener("pointerdown", (event) => {
    stage.focus();
    drag = { start: [event.clientX, event.clientY], origin: [view.x, view.y], point: imagePoint(event) };
    stage.setPointerCapture(event.pointerId);
    if (!drawing) stage.classList.add("dragging");
  });
  stage.addEventListener("pointermove", (event) => {
    if (!drag) return;
    if (drawing) setDraft(drag.point, imagePoint(event));
    else {
      view.x = drag.origin[0] + event.clientX - drag.start[0];
      view.y = drag.origin[1] + event.clientY - drag.start[1];
      apply();
    }
  });
  stage.addEventListener("pointerup", () => {
    drag = null;
    stage.classList.remove("dragging");
    if (drawing) { drawing = false; stage.classList.remove("drawing"); }
  });

  const reviewForm = document.getElementById("viewer-review");
  function review(action) {
    const data = new FormData(reviewForm);
    data.set("action", action);
    fetch(reviewForm.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then((response) => {
        if (response.redirected) window.location.assign(response.url);
        else if (response.ok) window.location.reload();
        else response.text().then((text) => { document.getElementById("review-error").textContent = text; });
      });
  }
  if (reviewForm) {
    reviewForm.addEventListener("submit", (event) => {
      event.preventDefault();
      review(event.submitter ? event.submitter.value : "confirm");
    });
    reviewForm.elements.other_action.addEventListener("change", (event) => { if (event.target.value) review(event.target.value); });
  }

  const keys = { b: "class:buck", d: "class:doe", f: "class:fawn", u: "class:unknown", c: "confirm", x: "invalid" };
  const links = { j: "list-next", k: "list-previous", "]": "burst-next", "[": "burst-previous" };
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    const step = 60;
    const actions = {
      "+": () => zoom(1.25), "=": () => zoom(1.25), "-": () => zoom(0.8), "0": fit,
      ArrowLeft: () => pan(step, 0), ArrowRight: () => pan(-step, 0), ArrowUp: () => pan(0, step), ArrowDown: () => pan(0, -step),
    };
    if (actions[event.key]) { actions[event.key](); event.preventDefault(); return; }
    if (links[event.key]) {
      const link = document.getElementById(links[event.key]);
      if (link) { window.location.assign(link.href); event.preventDefault(); }
      return;
    }
    if (!reviewForm) return;
    if (keys[event.key]) { review(event.key === "x" && !reviewForm.querySelector('[value="invalid"]') ? "valid" : keys[event.key]); event.preventDefault(); }
    else if (event.key === "z") { const undo = document.getElementById("undo"); if (undo && !undo.disabled) undo.click(); event.preventDefault(); }
    else if (event.key === "e") { drawing = true; stage.classList.add("drawing"); stage.focus(); event.preventDefault(); }
  });

  window.addEventListener("resize", fit);
  const img = canvas.querySelector("img");
  if (img.complete) fit(); else img.addEventListener("load", fit);
  fit();
})();
