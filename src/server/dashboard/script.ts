/**
 * The dashboard's browser script (inlined into the page). It polls /v1/stats and
 * /v1/jobs every 2 s, draws its own canvas charts (no chart library, nothing fetched
 * from elsewhere), runs searches, and sends the API key from sessionStorage as a Bearer
 * token, asking for it when the service answers 401. Data is put into the page with
 * textContent only, never as HTML.
 */
export const DASHBOARD_JS = String.raw`
"use strict";
(function () {
  var POLL_MS = 2000, POINTS = 150, KEY = "vcf-agent-api-key";
  var history = { t: [], rss: [], heap: [], hit: [], hitSearch: [] };
  var $ = function (id) { return document.getElementById(id); };

  function key() { return sessionStorage.getItem(KEY) || ""; }
  function askKey(message) {
    $("auth-msg").textContent = message;
    $("auth").classList.add("open");
    $("auth-key").focus();
  }
  $("auth-form").addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(KEY, $("auth-key").value.trim());
    $("auth").classList.remove("open");
    poll();
  });

  function api(method, path, body) {
    var headers = { accept: "application/json" };
    if (key()) headers.authorization = "Bearer " + key();
    if (body !== undefined) headers["content-type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401) {
          askKey(key() ? "That key was refused. Enter the service's API key." : "This service needs an API key.");
          throw new Error("unauthorized");
        }
        if (!r.ok) throw new Error(data.message || ("HTTP " + r.status));
        return data;
      });
    });
  }

  function fmt(x, digits) {
    if (x === null || x === undefined || (typeof x === "number" && !isFinite(x))) return "–";
    return typeof x === "number" ? x.toFixed(digits === undefined ? 0 : digits) : String(x);
  }
  function set(id, text) { $(id).textContent = text; }

  function push(series, value) { series.push(value); if (series.length > POINTS) series.shift(); }

  function drawChart(canvas, lines, unit, fixedMax) {
    var dpr = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== w * dpr || canvas.height !== h * dpr) { canvas.width = w * dpr; canvas.height = h * dpr; }
    var g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    var left = 48, right = 10, top = 22, bottom = 22;
    var pw = w - left - right, ph = h - top - bottom;
    var max = fixedMax || 0;
    if (!fixedMax) lines.forEach(function (l) { l.values.forEach(function (v) { if (v > max) max = v; }); });
    if (!fixedMax) { var step = Math.pow(10, Math.floor(Math.log10(Math.max(max, 1)))); max = Math.ceil((max * 1.1) / step) * step || 1; }
    g.font = "11px system-ui, sans-serif";
    g.strokeStyle = "#e3e6eb"; g.fillStyle = "#697386"; g.lineWidth = 1;
    for (var i = 0; i <= 4; i++) {
      var y = top + ph - (ph * i) / 4;
      g.beginPath(); g.moveTo(left, y + 0.5); g.lineTo(left + pw, y + 0.5); g.stroke();
      g.textAlign = "right"; g.textBaseline = "middle";
      g.fillText(fmt((max * i) / 4, max < 10 ? 1 : 0) + unit, left - 6, y);
    }
    var n = history.t.length;
    g.textAlign = "left"; g.textBaseline = "alphabetic";
    if (n > 1) {
      var span = Math.round((history.t[n - 1] - history.t[0]) / 1000);
      g.fillText("last " + span + " s", left, h - 6);
    }
    var lx = left;
    lines.forEach(function (l) {
      g.fillStyle = l.color; g.fillRect(lx, 6, 10, 10);
      g.fillStyle = "#1d2330"; g.textBaseline = "top"; g.fillText(l.label, lx + 14, 5);
      lx += 24 + g.measureText(l.label).width;
      if (l.values.length < 2) return;
      g.strokeStyle = l.color; g.lineWidth = 2; g.beginPath();
      // x by time, spanning the points held (up to POINTS polls), newest at the right edge.
      var t0 = history.t[0], span = Math.max(history.t[n - 1] - t0, 1);
      l.values.forEach(function (v, j) {
        var x = left + (pw * (history.t[j] - t0)) / span;
        var yy = top + ph - (ph * Math.min(v, max)) / max;
        if (j === 0) g.moveTo(x, yy); else g.lineTo(x, yy);
      });
      g.stroke();
    });
  }

  function pill(state) {
    var s = document.createElement("span");
    s.className = "pill " + state; s.textContent = state;
    return s;
  }
  function cell(row, value, cls) {
    var td = document.createElement("td");
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function renderJobs(jobs) {
    var body = $("jobs-body");
    body.textContent = "";
    if (jobs.length === 0) {
      var r = document.createElement("tr"); cell(r, "No ingest jobs yet: POST a VCF to /v1/ingest.", "muted").colSpan = 6; body.appendChild(r);
      return;
    }
    jobs.slice(0, 8).forEach(function (j) {
      var r = document.createElement("tr");
      var p = j.progress || {};
      cell(r, j.id.slice(0, 8));
      cell(r, pill(j.state));
      cell(r, j.source.kind === "upload" ? j.source.name + " (" + fmt(j.source.bytes / 1048576, 1) + " MiB)" : j.source.path);
      var frac = p.totalBytes ? p.bytesRead / p.totalBytes : (j.state === "done" ? 1 : 0);
      var bar = document.createElement("div"); bar.className = "bar";
      var fill = document.createElement("div"); fill.style.width = Math.round(100 * Math.min(1, frac)) + "%"; bar.appendChild(fill);
      cell(r, bar);
      cell(r, fmt(p.variantsRead) + " read / " + fmt(j.summary ? j.summary.variantsWritten : p.variantsWritten) + " written", "num");
      cell(r, j.error ? j.error : (j.summary ? fmt(j.summary.variantsPerSecond) + " variants/s" : (p.phase || "")), j.error ? "error" : "muted");
      body.appendChild(r);
    });
  }

  function render(stats) {
    var o = stats.optimization, dr = o.dimensionReductionStats, t = stats.table;
    set("where", "table " + t.table + " in " + t.uri + " · " + (t.exists ? t.rows + " rows" : "not created yet"));
    set("dims", fmt(o.embeddingDimensions));
    set("dims-sub", dr.reduction === "pca" ? dr.originalDimensions + " → " + dr.targetDimensions + " (PCA)" : (dr.reason || dr.reduction));
    set("variance", dr.varianceRetained === null ? "–" : fmt(100 * dr.varianceRetained, 1) + "%");
    set("reduction", fmt(stats.reduction.memoryReductionPercent, 1) + "%");
    var roles = stats.cache.roles, parts = [];
    Object.keys(roles).sort().forEach(function (r) { parts.push(r + " " + fmt(roles[r].hitRate, 1) + "% of " + (roles[r].hits + roles[r].misses)); });
    set("hit", fmt(stats.cache.hitRate, 1) + "%");
    set("hit-sub", parts.length ? parts.join(" · ") : "no look-ups yet");
    set("rows", t.exists ? String(t.rows) : "–");
    set("rows-sub", t.exists ? (typeof t.bytesOnDisk === "number" ? fmt(t.bytesOnDisk / 1048576, 1) + " MiB on disk · " : "") + t.indices.length + " indexes" : "ingest a VCF to create it");
    set("rss", fmt(stats.memory.rssMb) + " MiB");
    set("rss-sub", "heap " + fmt(stats.memory.heapUsedMb) + " MiB · peak RSS " + fmt(o.memoryStats.peakRssMb) + " MiB");
    push(history.t, Date.now());
    push(history.rss, stats.memory.rssMb);
    push(history.heap, stats.memory.heapUsedMb);
    push(history.hit, stats.cache.hitRate);
    push(history.hitSearch, roles.search ? roles.search.hitRate : 0);
    drawChart($("mem-chart"), [{ label: "RSS", color: "#2f6fde", values: history.rss }, { label: "heap used", color: "#d9822b", values: history.heap }], "", 0);
    drawChart($("hit-chart"), [{ label: "all look-ups", color: "#1f9d55", values: history.hit }, { label: "search queries", color: "#8a63d2", values: history.hitSearch }], "%", 100);
  }

  function poll() {
    Promise.all([api("GET", "/v1/stats"), api("GET", "/v1/jobs")]).then(function (res) {
      render(res[0]);
      renderJobs(res[1].jobs);
      set("state", "updated " + new Date().toLocaleTimeString());
      $("state").className = "state";
    }).catch(function (e) {
      if (e.message === "unauthorized") return;
      set("state", "cannot reach the service: " + e.message);
      $("state").className = "state err";
    });
  }

  $("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("q").value.trim();
    if (!text) return;
    var filters = $("filters").value.split(";").map(function (s) { return s.trim(); }).filter(Boolean);
    var k = parseInt($("k").value, 10) || 10;
    set("search-state", "searching…");
    $("search-state").className = "muted";
    api("POST", "/v1/search", { text: text, k: k, filters: filters }).then(function (res) {
      var body = $("results-body");
      body.textContent = "";
      res.hits.forEach(function (h, i) {
        var r = document.createElement("tr");
        cell(r, String(i + 1), "num");
        cell(r, h.distance.toFixed(4), "num");
        cell(r, h.variantId);
        cell(r, h.gene || "–");
        cell(r, h.consequence || "–");
        cell(r, h.clinicalSignificance || "–");
        cell(r, h.af === null ? "–" : String(h.af), "num");
        cell(r, h.condition || "–");
        body.appendChild(r);
      });
      set("search-state", res.hits.length + " results in " + res.tookMs + " ms");
    }).catch(function (err) {
      if (err.message === "unauthorized") return;
      set("search-state", err.message);
      $("search-state").className = "error";
    });
  });

  poll();
  setInterval(poll, POLL_MS);
})();
`;
