// Import page: while the upload is sent and imported, show how far it has got. The form submits as
// usual (it works without this script); the page stays up until the answer arrives, and meanwhile
// this polls the import's progress, which the server publishes after every chunk of rows.
const form = document.getElementById('import-form')
const panel = document.getElementById('import-progress')
const bar = document.getElementById('import-progress-bar')
const text = document.getElementById('import-progress-text')

function show (message, value) {
  text.textContent = message
  if (value === undefined) {
    bar.removeAttribute('value')
  } else {
    bar.value = value
  }
}

async function poll (url) {
  try {
    const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
    if (!response.ok) return
    const body = await response.json()
    const rows = Number(body.rows_read || 0).toLocaleString('en-GB')
    if (body.status === 'waiting') {
      show('Uploading the file…')
    } else if (body.status === 'running') {
      show(`Checking and saving rows: ${rows} read so far…`)
    } else if (body.status === 'counting') {
      show(`Saved: ${rows} rows read. Updating the dashboards…`)
    } else {
      show(`Finished: ${rows} rows read. Opening the results…`, 100)
    }
  } catch (error) {
    // A poll that fails (the page is leaving) changes nothing.
  }
}

if (form && panel && bar && text) {
  form.addEventListener('submit', () => {
    const file = form.querySelector('input[type=file]')
    if (!file || !file.files || file.files.length === 0) return
    panel.hidden = false
    show('Uploading the file…')
    const url = form.dataset.progressUrl
    const timer = window.setInterval(() => poll(url), 1000)
    window.addEventListener('pagehide', () => window.clearInterval(timer), { once: true })
  })
}
