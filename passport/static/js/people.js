// The person picker's suggestions (templates/people/_picker.html): as a name is typed, the field's datalist
// is filled with matching people from /people/suggestions; choosing one puts their email address in the
// field, which the form looks up exactly. Without this script the form searches by name when submitted.
const WAIT_MS = 200
const MIN_LETTERS = 2

function attach (field) {
  const list = document.getElementById(field.getAttribute('list'))
  const address = field.getAttribute('data-person-suggestions')
  let timer = null
  let asked = ''
  field.addEventListener('input', function () {
    window.clearTimeout(timer)
    const text = field.value.trim()
    if (text.length < MIN_LETTERS || text.indexOf('@') !== -1 || text === asked) return
    timer = window.setTimeout(function () {
      asked = text
      const url = address + '&q=' + encodeURIComponent(text)
      window.fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : [] })
        .then(function (people) {
          list.replaceChildren.apply(list, people.map(function (person) {
            const option = document.createElement('option')
            option.value = person.email
            option.label = person.name + ', ' + person.trust
            return option
          }))
        })
        .catch(function () { /* suggestions are a help: the form still searches when submitted */ })
    }, WAIT_MS)
  })
}

document.querySelectorAll('input[data-person-suggestions]').forEach(attach)
