// Draws the dashboard's charts. Each chart's figure is JSON in its data-figure attribute (never inline
// script, which our Content-Security-Policy refuses); plotly.min.js is served by us and loads first.
// Each chart's container is an image (role="img", named in _chart.html, its figures in the table below it),
// so nothing inside may take focus: plotly's toolbar (the mode bar: zoom, pan, download as PNG) is left
// out. The table and the CSV download give the same figures to everyone.
(function () {
  'use strict'
  function draw () {
    if (typeof window.Plotly === 'undefined') return
    document.querySelectorAll('.metrics-chart[data-figure]').forEach(function (element) {
      var figure = JSON.parse(element.getAttribute('data-figure'))
      window.Plotly.newPlot(element, figure.data, figure.layout, {
        responsive: true,
        displayModeBar: false
      }).then(function () {
        element.setAttribute('data-drawn', 'true')
      })
    })
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw)
  } else {
    draw()
  }
})()
