// Passport and credential pages. Loaded as a file: the Content-Security-Policy forbids inline script.

// "Print" buttons: the print stylesheet (css/print.css) lays the passport out with its QR code.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// Bulk CSV upload: while the file is sent, checked and signed (all or nothing), poll how far the
// server has got and show it. The form works without this script.
const bulkForm = document.getElementById("bulk-form");
const BULK_STAGES = { checking: "Checking rows", signing: "Signing credentials" };

async function pollBulk(url, bar, text) {
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) return;
    const body = await response.json();
    if (!(body.stage in BULK_STAGES) || !body.total) {
      bar.removeAttribute("value");
      text.textContent = "Uploading the file…";
      return;
    }
    const done = Number(body.done).toLocaleString("en-GB");
    const total = Number(body.total).toLocaleString("en-GB");
    bar.value = Math.round((100 * body.done) / body.total);
    text.textContent = `${BULK_STAGES[body.stage]}: ${done} of ${total}…`;
  } catch (error) {
    // A poll that fails (the page is leaving) changes nothing.
  }
}

if (bulkForm) {
  bulkForm.addEventListener("submit", () => {
    const progress = document.getElementById(bulkForm.dataset.progress);
    for (const button of bulkForm.querySelectorAll("button")) button.disabled = true;
    if (!progress) return;
    const bar = progress.querySelector("progress");
    const text = progress.querySelector("[role=status]");
    progress.hidden = false;
    bar.removeAttribute("value");
    const timer = window.setInterval(() => pollBulk(bulkForm.dataset.progressUrl, bar, text), 700);
    window.addEventListener("pagehide", () => window.clearInterval(timer), { once: true });
  });
}
