// The upload page: files dropped on #dropzone (or chosen) are sent one after another, one request
// each, to the form's action with the chosen location; each row shows its progress and result.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("upload-files");
  const location = document.getElementById("upload-location");
  const body = document.querySelector("#upload-results tbody");
  const summary = document.getElementById("upload-summary");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const queue = [];
  const counts = { accepted: 0, duplicate: 0, refused: 0 };
  let busy = false;

  function row(file) {
    const placeholder = body.querySelector(".placeholder");
    if (placeholder) placeholder.remove();
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.className = "wrap";
    name.textContent = file.name;
    const progressCell = document.createElement("td");
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "upload of " + file.name);
    progressCell.appendChild(bar);
    const result = document.createElement("td");
    result.textContent = "waiting";
    tr.append(name, progressCell, result);
    body.appendChild(tr);
    return { bar: bar, result: result };
  }

  function show() {
    summary.textContent = counts.accepted + " accepted, " + counts.duplicate + " duplicate, " + counts.refused +
      " refused" + (queue.length ? ", " + queue.length + " waiting" : "") + ".";
  }

  function finish(entry, result, reason) {
    counts[result] += 1;
    entry.bar.value = 100;
    entry.result.className = result;
    entry.result.textContent = result + (reason ? ": " + reason : "");
    busy = false;
    show();
    next();
  }

  function next() {
    if (busy || !queue.length) return;
    busy = true;
    const item = queue.shift();
    const data = new FormData();
    data.append("location", item.location);
    data.append("file", item.file, item.file.name);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-CSRFToken", token);
    request.upload.onprogress = function (event) {
      if (event.lengthComputable) item.entry.bar.value = Math.round((99 * event.loaded) / event.total);
    };
    request.onload = function () {
      let answer = null;
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
      if (answer && answer.result) finish(item.entry, answer.result, answer.reason);
      else if (request.status === 403) finish(item.entry, "refused", "your session ended or your role does not allow uploads; sign in again");
      else finish(item.entry, "refused", "the server answered " + request.status);
    };
    request.onerror = function () { finish(item.entry, "refused", "the network failed; try again"); };
    item.entry.result.textContent = "uploading";
    request.send(data);
  }

  function add(files) {
    if (!location.value) {
      summary.textContent = "Choose the camera site first: the images are stored under it.";
      location.focus();
      return;
    }
    for (const file of files) queue.push({ file: file, location: location.value, entry: row(file) });
    show();
    next();
  }

  input.addEventListener("change", function () { add(Array.from(input.files)); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    add(Array.from(event.dataTransfer.files));
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
})();
