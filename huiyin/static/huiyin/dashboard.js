/* Huiyin dashboard: draws the charts from the data embedded in the page (#dashboard-data).
 * Apache ECharts, vendored; no map tiles, nothing fetched. A click on a chart element opens
 * the petition list filtered to the petitions behind it (each data item carries its url). */
(function () {
  "use strict";

  var COLOURS = ["#2563eb", "#f59e0b", "#dc2626", "#16a34a"];
  // Tooltips drawn on the canvas: the HTML ones carry style="" attributes, which the
  // Content-Security-Policy refuses (and names would otherwise be inserted as HTML).
  var TOOLTIP = "richText";

  function readData() {
    var node = document.getElementById("dashboard-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function go(url) {
    if (url) {
      window.location.href = url;
    }
  }

  function chart(id) {
    var node = document.getElementById(id);
    if (!node || typeof echarts === "undefined") {
      return null;
    }
    var instance = echarts.init(node, null, { renderer: "canvas" });
    window.addEventListener("resize", function () {
      instance.resize();
    });
    return instance;
  }

  // A week after today has no numbers yet (null): "-" is ECharts' empty value, so the line
  // stops at today instead of falling to zero; the axis still shows the whole period.
  function point(value, url) {
    return value === null || value === undefined ? { value: "-" } : { value: value, url: url };
  }

  function trend(data) {
    var c = chart("chart-trend");
    if (!c) return;
    var L = data.labels;
    c.setOption({
      color: COLOURS,
      tooltip: { trigger: "axis", renderMode: TOOLTIP },
      legend: { data: [L.batches, L.headcount], top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      xAxis: { type: "category", data: data.trend.map(function (r) { return r.label; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: L.batches,
          type: "line",
          smooth: false,
          data: data.trend.map(function (r) { return point(r.batches, r.url); }),
        },
        {
          name: L.headcount,
          type: "line",
          smooth: false,
          data: data.trend.map(function (r) { return point(r.headcount, r.url); }),
        },
      ],
    });
    c.on("click", function (p) { go(p.data && p.data.url); });
    // A click anywhere in a week's column opens that week, not only on the point.
    c.getZr().on("click", function (event) {
      if (event.target) return;
      var point = [event.offsetX, event.offsetY];
      if (!c.containPixel("grid", point)) return;
      var index = c.convertFromPixel({ seriesIndex: 0 }, point)[0];
      var row = data.trend[Math.round(index)];
      if (row && row.batches !== null) go(row.url);
    });
  }

  function communities(data) {
    var c = chart("chart-communities");
    if (!c) return;
    var L = data.labels;
    var rows = data.communities;
    c.setOption({
      color: COLOURS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: TOOLTIP },
      legend: { data: [L.batches, L.headcount], top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 28, containLabel: true },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: L.batches,
          type: "bar",
          data: rows.map(function (r) { return { value: r.batches, url: r.url }; }),
        },
        {
          name: L.headcount,
          type: "bar",
          data: rows.map(function (r) { return { value: r.headcount, url: r.url }; }),
        },
      ],
    });
    c.on("click", function (p) { go(p.data && p.data.url); });
  }

  // The disputes per community (shown only to those who may view disputes): registered,
  // mediation started, resolved; a "registered" bar opens that community's disputes
  // registered in the period (the list filters by the date received, as that figure does).
  function disputeCommunities(data) {
    if (!data.disputes) return;
    var c = chart("chart-dispute-communities");
    if (!c) return;
    var L = data.disputes.labels;
    var rows = data.disputes.communities;
    var keys = ["registered", "mediated", "resolved"];
    c.setOption({
      color: ["#2563eb", "#f59e0b", "#16a34a"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: TOOLTIP },
      legend: { data: keys.map(function (k) { return L[k]; }), top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 28, containLabel: true },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: keys.map(function (k) {
        return {
          name: L[k],
          type: "bar",
          data: rows.map(function (r) {
            return { value: r[k], url: k === "registered" ? r.url : null };
          }),
        };
      }),
    });
    c.on("click", function (p) { go(p.data && p.data.url); });
  }

  function gridMap(data) {
    var node = document.getElementById("chart-map");
    var map = data.map;
    if (!node) return;
    if (!map.geojson.features.length) {
      node.textContent = data.labels.no_map;
      node.classList.add("text-body-secondary", "small");
      return;
    }
    var c = chart("chart-map");
    if (!c) return;
    echarts.registerMap("street", map.geojson);
    var max = Math.max.apply(null, map.values.map(function (v) { return v.value; }).concat([1]));
    c.setOption({
      tooltip: {
        trigger: "item",
        renderMode: TOOLTIP,
        formatter: function (p) {
          var v = p.data || { value: 0, headcount: 0 };
          return (v.label || p.name) + "\n" + data.labels.batches + ": " + v.value +
            "\n" + data.labels.headcount + ": " + v.headcount;
        },
      },
      visualMap: {
        min: 0,
        max: max,
        right: 4,
        top: "middle",
        calculable: true,
        itemHeight: 110,
        itemWidth: 12,
        inRange: { color: ["#fff7ec", "#fdd49e", "#fc8d59", "#d7301f"] },
      },
      series: [
        {
          name: data.labels.petitions,
          type: "map",
          map: "street",
          roam: true,
          selectedMode: false,
          left: 8,
          right: 56,
          top: 8,
          bottom: 8,
          // Two lines: the community, then the grid (every community has a 第1网格).
          label: {
            show: true,
            fontSize: 10,
            formatter: function (p) {
              return p.data && p.data.grid ? p.data.community + "\n" + p.data.grid : p.name;
            },
          },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#fde68a" } },
          itemStyle: { borderColor: "#475569", borderWidth: 0.6 },
          data: map.values,
        },
      ],
    });
    c.on("click", function (p) { go(p.data && p.data.url); });
  }

  // The period picker shows the campaign or the dates only when they apply.
  function periodPicker() {
    var select = document.getElementById("id_period");
    if (!select) return;
    function update() {
      var kind = select.value || "month";
      document.querySelectorAll("[data-period-part]").forEach(function (part) {
        part.hidden = part.getAttribute("data-period-part") !== kind;
      });
    }
    select.addEventListener("change", update);
    update();
  }

  // What each rate counts, on hover and on focus (a tap on a phone): Bootstrap's tooltips.
  function rateHelp() {
    if (typeof bootstrap === "undefined") return;  // the title attribute still shows it
    document.querySelectorAll("[data-rate-help]").forEach(function (node) {
      new bootstrap.Tooltip(node);
    });
  }

  function start() {
    periodPicker();
    rateHelp();
    var data = readData();
    if (!data) return;
    trend(data);
    communities(data);
    disputeCommunities(data);
    gridMap(data);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
