/* Charts of the dashboard (Apache ECharts from static_vendor, never a CDN). The data comes from the
   page's json_script element; a chart whose container is absent is skipped. */
(function () {
  "use strict";
  var source = document.getElementById("qn-dash-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var narrow = window.matchMedia("(max-width: 720px)").matches;

  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  var grid = { left: 40, right: 16, top: 36, bottom: narrow ? 70 : 50, containLabel: true };

  if (data.coverage && data.coverage.names.length) {
    var markLine = data.coverage.target === null ? undefined : {
      symbol: "none", label: { formatter: "目标 {c}%", position: "insideEndTop" }, lineStyle: { color: "#d9232a", type: "dashed" },
      data: [{ yAxis: data.coverage.target }]
    };
    make("chart-coverage", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "无数据" : v + "%"; } },
      grid: grid,
      xAxis: { type: "category", data: data.coverage.names, axisLabel: { rotate: narrow ? 45 : 30, interval: 0 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ name: "建群率", type: "bar", data: data.coverage.values, itemStyle: { color: "#07c160" }, markLine: markLine }]
    });
  }

  if (data.trend && data.trend.days.length) {
    var legendSelected = {};
    var series = data.trend.series.map(function (s) {
      legendSelected[s.name] = s.percent;
      return {
        name: s.name, type: "line", data: s.data, connectNulls: false, showSymbol: data.trend.days.length < 40,
        yAxisIndex: s.percent ? 0 : 1
      };
    });
    make("chart-trend", {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0, selected: legendSelected },
      grid: grid,
      xAxis: { type: "category", data: data.trend.days, boundaryGap: false },
      yAxis: [
        { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        { type: "value", splitLine: { show: false } }
      ],
      series: series
    });
  }

  if (data.groups) {
    make("chart-groups", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: grid,
      xAxis: { type: "category", data: data.groups.types },
      yAxis: { type: "value", minInterval: 1 },
      series: data.groups.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "status", data: s.data, emphasis: { focus: "series" } };
      })
    });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
