// Passport and credential pages. Loaded as a file: the Content-Security-Policy forbids inline script.

// "Print" buttons: the print stylesheet (css/print.css) lays the passport out with its QR code.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
