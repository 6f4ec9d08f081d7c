// 规划图谱 front-end: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  // ECharts renders tooltip strings as HTML: document text must be escaped first.
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Copy a node's citation (reader page).
  function initCite() {
    $all("button.cite").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var text = btn.getAttribute("data-copy");
        var done = function () { btn.textContent = "已复制"; setTimeout(function () { btn.textContent = "引用"; }, 1500); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { window.prompt("引用：", text); });
        } else { window.prompt("引用：", text); }
      });
    });
  }

  // Click a header to sort a table.sortable.
  function initSortable() {
    $all("table.sortable").forEach(function (table) {
      $all("thead th", table).forEach(function (th, col) {
        th.tabIndex = 0;
        var sort = function () {
          var asc = th.getAttribute("aria-sort") !== "ascending";
          $all("thead th", table).forEach(function (h) { h.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", asc ? "ascending" : "descending");
          var numeric = th.getAttribute("data-type") === "number";
          var body = table.tBodies[0];
          var rows = $all("tr", body);
          rows.sort(function (a, b) {
            var x = cellValue(a.cells[col], numeric), y = cellValue(b.cells[col], numeric);
            if (x === y) return 0;
            if (x === null) return 1;
            if (y === null) return -1;
            return (x < y ? -1 : 1) * (asc ? 1 : -1);
          });
          rows.forEach(function (r) { body.appendChild(r); });
        };
        th.addEventListener("click", sort);
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
      });
    });
  }

  function cellValue(cell, numeric) {
    if (!cell) return null;
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (raw === "") return null;
    if (numeric) { var n = parseFloat(raw); return isNaN(n) ? null : n; }
    return raw;
  }

  // Expand or collapse every branch of a trace tree.
  function initTree() {
    $all(".tree-toggle").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var open = btn.getAttribute("data-open") === "1";
        $all(".tree details").forEach(function (d) { d.open = open; });
      });
    });
  }

  // Poll an upload job until it is done or failed.
  function initJob() {
    var box = $("#job[data-poll]");
    if (!box) return;
    var poll = function () {
      fetch(box.getAttribute("data-poll"), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var job = data.job;
          $(".job-step", box).textContent = job.step;
          $(".job-error", box).textContent = job.error || "";
          box.className = "job state-" + job.state;
          if (job.state === "running") { setTimeout(poll, 1000); return; }
          $(".job-progress", box).value = 1; $(".job-progress", box).max = 1;
          if (job.state === "done") $(".job-done", box).hidden = false;
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    poll();
  }

  // SPARQL page: example buttons fill the editor.
  function initSparql() {
    $all("button[data-example]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var area = $("#sparql-query");
        if (area) { area.value = btn.getAttribute("data-example"); area.focus(); }
      });
    });
  }

  var COLORS = { goal: "#b3261e", task: "#0b57d0", project: "#8a4baf", place: "#1e7e34", organisation: "#c77700",
                 theme: "#00838f", target: "#d4a017", plan: "#444", section: "#6a737d", chapter: "#6a737d" };

  // Entity page: an interactive neighbourhood graph; click a node to expand it, double-click to open it.
  function initGraph() {
    var el = $("#graph[data-graph-url]");
    if (!el || !window.echarts) return;
    var chart = window.echarts.init(el);
    var nodes = {}, edges = {}, expanded = {};
    var url = el.getAttribute("data-graph-url");
    var base = url.replace(/\/graph\.json$/, "").replace(/\/entity\/.*$/, "/entity/");

    function add(data) {
      (data.nodes || []).forEach(function (n) {
        if (!nodes[n.id]) nodes[n.id] = { id: n.id, name: n.label || n.id, kind: n.kind || "", kindLabel: n.kind_label || n.kind || "" };
      });
      (data.edges || []).forEach(function (e) {
        var key = e.source + "→" + e.target;
        if (!edges[key] && nodes[e.source] && nodes[e.target]) edges[key] = { source: e.source, target: e.target, label: e.label || "" };
      });
      draw(data.center);
    }

    function draw(center) {
      var list = Object.keys(nodes).map(function (id) {
        var n = nodes[id];
        return { id: id, name: n.name, value: n.kindLabel, category: n.kind,
                 symbolSize: id === center ? 34 : (expanded[id] ? 24 : 16),
                 itemStyle: { color: COLORS[n.kind] || "#888" },
                 label: { show: true, formatter: n.name.length > 12 ? n.name.slice(0, 12) + "…" : n.name } };
      });
      chart.setOption({
        animationDurationUpdate: 300,
        tooltip: { formatter: function (p) { return esc(p.dataType === "edge" ? (p.data.label || "") : (p.data.name + "（" + p.data.value + "）")); } },
        series: [{ type: "graph", layout: "force", roam: true, draggable: true, data: list,
                   links: Object.keys(edges).map(function (k) { return edges[k]; }),
                   force: { repulsion: 180, edgeLength: [60, 140] }, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
                   lineStyle: { color: "#aab", curveness: 0.1 }, label: { position: "right", fontSize: 11 },
                   emphasis: { focus: "adjacency" } }]
      });
      el.setAttribute("data-rendered", String(list.length));
    }

    function load(u, id) {
      return fetch(u, { headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).then(function (data) { expanded[id] = true; add(data); })
        .catch(function () { if (!Object.keys(nodes).length) el.textContent = "关系图暂不可用。"; });
    }

    chart.on("click", function (p) {
      if (p.dataType !== "node" || expanded[p.data.id]) return;
      load(base + encodeURI(p.data.id) + "/graph.json?limit=20", p.data.id);
    });
    chart.on("dblclick", function (p) { if (p.dataType === "node") window.location.href = base + encodeURI(p.data.id); });
    window.addEventListener("resize", function () { chart.resize(); });
    load(url, decodeURI(url.replace(/^\/entity\//, "").replace(/\/graph\.json$/, "")));
  }

  // Compare page: baseline vs target bars.
  function initChart() {
    var el = $("#indicator-chart[data-chart]");
    if (!el || !window.echarts) return;
    var bars = JSON.parse(el.getAttribute("data-chart")).bars || [];
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v; } },
      legend: { data: ["基期值", "目标值"] },
      grid: { left: 60, right: 20, bottom: 110 },
      xAxis: { type: "category", data: bars.map(function (b) { return b.name; }),
               axisLabel: { interval: 0, rotate: 30, width: 120, overflow: "truncate" } },
      yAxis: { type: "log", name: "数值（对数）" },
      series: [
        { name: "基期值", type: "bar", data: bars.map(function (b) { return b.baseline > 0 ? b.baseline : null; }), itemStyle: { color: "#9aa5b1" } },
        { name: "目标值", type: "bar", data: bars.map(function (b) { return b.target > 0 ? b.target : null; }), itemStyle: { color: "#b3261e" } }
      ]
    });
    el.setAttribute("data-rendered", String(bars.length));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCite(); initSortable(); initTree(); initJob(); initSparql(); initGraph(); initChart();
  });
})();
