// The reports page: the form shows the fields of the chosen report type; "Export PDF" requests the
// PDF of the report on screen (POST /api/exports/pdf) and links to its job.
(function () {
  const type = document.getElementById("report_type");
  if (type) {
    const sync = function () {
      const comparison = type.value === "comparison";
      document.querySelector(".activity-fields").hidden = comparison;
      document.querySelector(".comparison-fields").hidden = !comparison;
      // The overlap groups belong to the seasonal activity report only.
      document.querySelector(".overlap-fields").hidden = type.value !== "seasonal_activity";
    };
    type.addEventListener("change", sync);
    sync();
  }

  const button = document.getElementById("export-pdf");
  if (!button) return;
  button.addEventListener("click", async function () {
    const status = document.getElementById("export-status");
    const params = JSON.parse(document.getElementById("pdf-params").textContent);
    this.disabled = true;
    status.textContent = "Requesting PDF…";
    try {
      const response = await fetch(this.dataset.exportUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": this.dataset.csrfToken },
        body: JSON.stringify(params),
      });
      const body = await response.json();
      if (response.status === 202) {
        status.innerHTML = "";
        const link = document.createElement("a");
        link.href = "/exports/";
        link.textContent = "PDF queued (job " + body.job_id + "): follow it in My exports";
        status.appendChild(link);
      } else {
        status.textContent = body.detail || "Export failed (" + response.status + ")";
        this.disabled = false;
      }
    } catch (error) {
      status.textContent = "Export failed: " + error;
      this.disabled = false;
    }
  });
})();
