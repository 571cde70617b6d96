/**
 * The live dashboard served at `GET /`: one self-contained HTML document (style and
 * script inlined at build time, so `npm run build` output serves it with no asset files).
 * The page holds no data itself; it reads everything through the API.
 */
import { createHash } from "node:crypto";
import { DASHBOARD_JS } from "./script.js";
import { DASHBOARD_CSS } from "./style.js";

const sha256 = (s: string): string => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

/**
 * Content-Security-Policy of the page: only its own inline script and style (by hash)
 * and requests to the service itself; nothing else can load.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_JS)}`,
  `style-src ${sha256(DASHBOARD_CSS)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The dashboard document. */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vcf-agent</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header><h1>vcf-agent</h1><span class="where" id="where">connecting…</span><span class="state" id="state"></span></header>
<main>
  <div class="figures">
    <div class="figure"><div class="label">Embedding dimensions</div><div class="value" id="dims">–</div><div class="sub" id="dims-sub"></div></div>
    <div class="figure"><div class="label">Variance retained</div><div class="value" id="variance">–</div><div class="sub">by the table's PCA model</div></div>
    <div class="figure"><div class="label">Memory reduction</div><div class="value" id="reduction">–</div><div class="sub">bytes per stored vector</div></div>
    <div class="figure"><div class="label">Cache hit rate</div><div class="value" id="hit">–</div><div class="sub" id="hit-sub"></div></div>
    <div class="figure"><div class="label">Resident memory</div><div class="value" id="rss">–</div><div class="sub" id="rss-sub"></div></div>
    <div class="figure"><div class="label">Table rows</div><div class="value" id="rows">–</div><div class="sub" id="rows-sub"></div></div>
  </div>
  <section class="chart"><h2>Memory (MiB)</h2><canvas id="mem-chart"></canvas></section>
  <section class="chart"><h2>Cache hit rate</h2><canvas id="hit-chart"></canvas></section>
  <section class="jobs"><h2>Ingest jobs</h2>
    <table><thead><tr><th>job</th><th>state</th><th>input</th><th>progress</th><th class="num">variants</th><th></th></tr></thead><tbody id="jobs-body"></tbody></table>
  </section>
  <section class="search"><h2>Search</h2>
    <form id="search-form">
      <input class="query" id="q" type="text" placeholder="pathogenic missense in BRCA1" aria-label="query">
      <input class="filters" id="filters" type="text" placeholder="filters, ; separated: gene=BRCA1; af&lt;0.01" aria-label="filters">
      <input class="k" id="k" type="number" min="1" max="1000" value="10" aria-label="k">
      <button type="submit" id="search-button">Search</button>
      <span id="search-state" class="muted"></span>
    </form>
    <table><thead><tr><th class="num">#</th><th class="num">distance</th><th>variant</th><th>gene</th><th>consequence</th><th>clinical significance</th><th class="num">AF</th><th>condition</th></tr></thead>
    <tbody id="results-body"></tbody></table>
  </section>
</main>
<div id="auth"><form id="auth-form"><strong>API key</strong><span id="auth-msg" class="muted"></span>
  <input id="auth-key" type="password" autocomplete="off" aria-label="API key"><button type="submit">Use key</button>
  <span class="muted">Kept in this tab's sessionStorage only.</span></form></div>
<script>${DASHBOARD_JS}</script>
</body>
</html>
`;
}
