/* Grid picker: a map of the grids under a grid <select> ([data-grid-picker]).
 * The boundaries come from the page (a json_script element, only the select's options);
 * drawn with the vendored Apache ECharts, no tiles, nothing fetched, and the device's
 * position is never asked for. A tap on a grid chooses it in the select (and fires
 * "change"); choosing in the select highlights the grid on the map. */
(function () {
  "use strict";

  var CHOSEN = "#2563eb";

  function picker(box, index) {
    var select = document.getElementById(box.getAttribute("data-select"));
    var source = document.getElementById(box.getAttribute("data-source"));
    var node = box.querySelector(".hy-grid-picker-map");
    if (!select || !source || !node || typeof echarts === "undefined") return;
    var geojson = JSON.parse(source.textContent);
    var offered = {};
    Array.prototype.forEach.call(select.options, function (o) { offered[o.value] = true; });
    // Only what the select offers can be tapped (the page sends nothing else anyway).
    geojson.features = geojson.features.filter(function (f) {
      return offered[f.properties.name];
    });
    if (!geojson.features.length) {
      box.hidden = true;
      return;
    }
    var mapName = "hy-grid-picker-" + index;
    echarts.registerMap(mapName, geojson);
    var chart = echarts.init(node, null, { renderer: "canvas" });

    function data() {
      return geojson.features.map(function (f) {
        var p = f.properties;
        var item = { name: p.name, grid: p.grid, community: p.community };
        if (p.name === select.value) {
          item.itemStyle = { areaColor: CHOSEN };
          item.label = { color: "#fff", fontWeight: "bold" };
        }
        return item;
      });
    }

    chart.setOption({
      series: [
        {
          type: "map",
          map: mapName,
          roam: false,
          selectedMode: false,
          left: 4,
          right: 4,
          top: 4,
          bottom: 4,
          label: {
            show: true,
            fontSize: 10,
            formatter: function (p) { return (p.data && p.data.grid) || ""; },
          },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#fde68a" } },
          itemStyle: { areaColor: "#f1f5f9", borderColor: "#475569", borderWidth: 0.8 },
          data: data(),
        },
      ],
    });

    function redraw() {
      chart.setOption({ series: [{ data: data() }] });
    }

    chart.on("click", function (p) {
      if (!p.name || !offered[p.name] || select.disabled) return;
      if (select.value !== p.name) {
        select.value = p.name;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      redraw();
    });
    select.addEventListener("change", redraw);
    window.addEventListener("resize", function () { chart.resize(); });
    box.setAttribute("data-ready", "1");
  }

  function start() {
    document.querySelectorAll("[data-grid-picker]").forEach(picker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
