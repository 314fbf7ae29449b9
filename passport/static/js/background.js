// A background job's page: while the job works, poll its state and say how far it has got (the status
// line is a polite live region); when it ends, load the page again to show the outcome. Without this
// script the page offers a "Check again" link instead.
const panel = document.getElementById('job-progress')

function describe (job) {
  const stage = job.stage || (job.status === 'queued' ? 'Waiting for a worker' : 'Working')
  if (job.total) {
    const done = Number(job.done).toLocaleString('en-GB')
    const total = Number(job.total).toLocaleString('en-GB')
    return `${stage}: ${done} of ${total} (${job.percent}%).`
  }
  return job.done ? `${stage}: ${Number(job.done).toLocaleString('en-GB')} done.` : `${stage}.`
}

async function poll () {
  try {
    const response = await fetch(panel.dataset.pollUrl, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
    if (!response.ok) return
    const job = await response.json()
    if (job.status === 'succeeded' || job.status === 'failed') {
      window.location.reload()
      return
    }
    const status = document.getElementById('job-status')
    const bar = document.getElementById('job-progress-bar')
    if (status) status.textContent = describe(job)
    if (bar && job.percent !== null && job.percent !== undefined) bar.value = job.percent
  } catch (error) {
    // A failed poll (the network, the page leaving) changes nothing; the next one tries again.
  }
}

if (panel && panel.dataset.finished === 'false') {
  const timer = window.setInterval(poll, 1500)
  window.addEventListener('pagehide', () => window.clearInterval(timer), { once: true })
}
