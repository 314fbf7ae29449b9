// Draws the dashboard's charts. Each chart's figure is JSON in its data-figure attribute (never inline
// script, which our Content-Security-Policy refuses); plotly.min.js is served by us and loads first.
(function () {
  'use strict'
  function draw () {
    if (typeof window.Plotly === 'undefined') return
    document.querySelectorAll('.metrics-chart[data-figure]').forEach(function (element) {
      var figure = JSON.parse(element.getAttribute('data-figure'))
      window.Plotly.newPlot(element, figure.data, figure.layout, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ['select2d', 'lasso2d']
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
