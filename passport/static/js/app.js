// Progressive enhancement for every page. Loaded as a module, so the Content-Security-Policy
// needs no inline script.
import { initAll } from '/assets/nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()
