// Draws the dashboard's charts. Each chart's figure is JSON in its data-figure attribute (never inline
// script, which our Content-Security-Policy refuses); plotly.min.js is served by us and loads first.
// Each chart's container is an image (role="img", named in _chart.html, its figures in the table below it),
// so nothing inside may take focus: plotly's toolbar (the mode bar: zoom, pan, download as PNG) is left
// out. The table and the CSV download give the same figures to everyone.
// One chart a task, those on screen first: the first chart a director looks at is painted after its own
// drawing, not after all eight, and the page answers scrolling and keys in between.
(function () {
  'use strict'
  function onScreen (element) {
    var box = element.getBoundingClientRect()
    return box.bottom > 0 && box.top < (window.innerHeight || document.documentElement.clientHeight)
  }
  function drawOne (element) {
    var figure = JSON.parse(element.getAttribute('data-figure'))
    return window.Plotly.newPlot(element, figure.data, figure.layout, {
      responsive: true,
      displayModeBar: false
    }).then(function () {
      element.setAttribute('data-drawn', 'true')
    })
  }
  function draw () {
    if (typeof window.Plotly === 'undefined') return
    var charts = Array.prototype.slice.call(document.querySelectorAll('.metrics-chart[data-figure]'))
    var queue = charts.filter(onScreen).concat(charts.filter(function (c) { return !onScreen(c) }))
    function next () {
      var element = queue.shift()
      if (!element) return
      drawOne(element).then(function () { window.setTimeout(next, 0) }, function () { window.setTimeout(next, 0) })
    }
    next()
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw)
  } else {
    draw()
  }
})()
