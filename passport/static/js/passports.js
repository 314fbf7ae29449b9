// Passport and credential pages. Loaded as a file: the Content-Security-Policy forbids inline script.

// "Print" buttons: the print stylesheet (css/print.css) lays the passport out with its QR code.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// Bulk CSV upload: show progress while the file is sent, checked and signed (all or nothing).
const bulkForm = document.getElementById("bulk-form");
if (bulkForm) {
  bulkForm.addEventListener("submit", () => {
    const progress = document.getElementById(bulkForm.dataset.progress);
    if (progress) {
      progress.hidden = false;
      const bar = progress.querySelector("progress");
      if (bar) bar.removeAttribute("value"); // indeterminate: the server checks every row, then signs
      const label = progress.querySelector("label");
      if (label) label.textContent = "Checking every row, then signing: please wait";
    }
    for (const button of bulkForm.querySelectorAll("button")) button.disabled = true;
  });
}
