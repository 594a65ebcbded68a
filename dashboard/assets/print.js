// Printing (A4 landscape, style.css): charts are drawn at the printed page's width, then back.
(function () {
  var PRINTED_WIDTH = 1000; // px: 277 mm of A4 landscape within its margins, at 96 dpi
  function charts() {
    return document.querySelectorAll(".chart-card .js-plotly-plot");
  }
  window.addEventListener("beforeprint", function () {
    charts().forEach(function (chart) {
      window.Plotly.relayout(chart, { width: PRINTED_WIDTH, autosize: false });
    });
  });
  window.addEventListener("afterprint", function () {
    charts().forEach(function (chart) {
      window.Plotly.relayout(chart, { width: null, autosize: true });
    });
  });
})();
