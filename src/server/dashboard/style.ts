/** The dashboard's stylesheet (inlined into the page; nothing is loaded from elsewhere). */
export const DASHBOARD_CSS = `
:root { --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #697386; --line: #e3e6eb; --accent: #2f6fde; --accent2: #d9822b; --ok: #1f9d55; --bad: #c93c37; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; align-items: baseline; gap: 16px; padding: 14px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
header .where { color: var(--muted); }
header .state { margin-left: auto; font-size: 12px; color: var(--muted); }
header .state.err { color: var(--bad); }
main { padding: 16px 24px 40px; display: grid; gap: 16px; grid-template-columns: repeat(12, 1fr); max-width: 1400px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
section h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 10px; font-weight: 600; }
.figures { grid-column: span 12; display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; background: none; border: 0; padding: 0; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.figure .label { font-size: 12px; color: var(--muted); }
.figure .value { font-size: 24px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
.figure .sub { font-size: 12px; color: var(--muted); }
.chart { grid-column: span 6; }
.chart canvas { width: 100%; height: 220px; display: block; }
.jobs, .search { grid-column: span 12; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num { text-align: right; }
.bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; min-width: 120px; }
.bar > div { height: 100%; background: var(--accent); }
form { display: flex; gap: 8px; flex-wrap: wrap; margin-bottom: 12px; }
input[type=text], input[type=password], input[type=number] { padding: 7px 9px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
input.query { flex: 1 1 360px; }
input.filters { flex: 1 1 260px; }
input.k { width: 80px; }
button { padding: 7px 14px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
.muted { color: var(--muted); }
.error { color: var(--bad); }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--line); }
.pill.running { background: #dbe7fb; color: var(--accent); }
.pill.done { background: #d7f0e1; color: var(--ok); }
.pill.failed, .pill.interrupted { background: #f7dcdb; color: var(--bad); }
#auth { position: fixed; inset: 0; background: rgba(20, 24, 33, .45); display: none; align-items: center; justify-content: center; }
#auth.open { display: flex; }
#auth form { background: var(--card); padding: 20px; border-radius: 8px; display: grid; gap: 10px; width: 360px; }
@media (max-width: 900px) { .chart { grid-column: span 12; } .figures { grid-template-columns: repeat(2, 1fr); } }
`;
