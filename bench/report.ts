/**
 * The benchmark's one table (metrics × scenarios), issue 5's targets judged
 * against it, and bench/RESULTS.md. Pure: figures in, text out.
 */

/** Milliseconds between the binary's events (JSON event log), for one run. */
export interface StageTimes {
  wallMs: number;
  /** process start-up, config and exit: wall minus run_started → run_finished */
  startupMs: number;
  stateMs: number;
  scanMs: number;
  validateMs: number;
  hashMs: number;
  /** hash done → run finished: pack + upload (or nothing, for a dry run) and rendering */
  applyMs: number;
}

interface RunFigures {
  medianMs: number;
  samplesMs: number[];
  rssKiB: number;
  cpuS: number;
  stages: StageTimes;
}

export interface ScenarioResult {
  name: string;
  executions: number;
  cases: number;
  /** files below the execution directories (what --pack full packs and the hash test reads) */
  files: number;
  bytes: number;
  floorMs: number;
  dirFloorMs: number;
  dry: RunFigures;
  noop: RunFigures;
  hash: { listMs: number; digestMs: number; mbPerS: number; cores: number; catMs: number; catMbPerS: number };
  upload: {
    fullMedianMs: number;
    fullMbPerS: number;
    fullRssKiB: number;
    fullCpuS: number;
    /** CPU the in-process test server spent during the run (it shares the two cores) */
    serverCpuS: number;
    requests: number;
    tarMs: number;
    tarMbPerS: number;
    fullBytesSent: number;
    metadataBytesSent: number;
    metadataMs: number;
    metadataRssKiB: number;
    stages: StageTimes;
  };
}

export interface Target {
  target: string;
  scope: string;
  measured: string;
  pass: boolean;
  /** how far off, for a miss */
  gap: string;
}

export interface BenchResults {
  machine: { nproc: number; cpu: string; memGiB: number; kernel: string; bun: string; commit: string; srcDirty: boolean; date: string };
  binary: string;
  quick: boolean;
  startup: { medianMs: number; samplesMs: number[]; rssKiB: number };
  scenarios: ScenarioResult[];
  targets: Target[];
}

/** Upstream's Python runner on the 5,000-execution tree (issue 5). */
const UPSTREAM = { dryMs: 2280, noopMs: 1490 };
const MB = 1e6;
const LIMIT_RSS_MB = 150;
/** "Flat" memory: the bigger case / archive may cost at most this factor more. */
const FLAT_FACTOR = 1.25;

const s = (ms: number) => (ms >= 10_000 ? (ms / 1000).toFixed(1) : ms >= 1000 ? (ms / 1000).toFixed(2) : (ms / 1000).toFixed(3));
const x = (v: number) => `${v.toFixed(v >= 10 ? 1 : 2)}×`;
const mbps = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const rss = (kib: number) => ((kib * 1024) / MB).toFixed(0);
const int = (v: number) => v.toLocaleString("en-US");
const size = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

export function renderTable(r: BenchResults): string {
  const cols = r.scenarios;
  const rows: [string, (c: ScenarioResult) => string][] = [
    ["cases / executions", (c) => `${int(c.cases)} / ${int(c.executions)}`],
    ["files / bytes below executions", (c) => `${int(c.files)} / ${size(c.bytes)}`],
    ["floor: find files + cat e3sm_timing (s)", (c) => s(c.floorMs)],
    ["dry run, empty state: median (s)", (c) => s(c.dry.medianMs)],
    ["  ratio to floor (target ≤ 2×)", (c) => x(c.dry.medianMs / c.floorMs)],
    ["  CPU (s) / peak RSS (MB)", (c) => `${c.dry.cpuS.toFixed(2)} / ${rss(c.dry.rssKiB)}`],
    ["no-op run, all in state: median (s)", (c) => s(c.noop.medianMs)],
    ["  ratio to floor (target ≤ 2×)", (c) => x(c.noop.medianMs / c.floorMs)],
    ["  ratio to find -type d (s)", (c) => `${x(c.noop.medianMs / c.dirFloorMs)} (${s(c.dirFloorMs)})`],
    ["  CPU (s) / peak RSS (MB)", (c) => `${c.noop.cpuS.toFixed(2)} / ${rss(c.noop.rssKiB)}`],
    ["hash (xxh64, default 2 threads): MB/s", (c) => mbps(c.hash.mbPerS)],
    ["  cat same files: MB/s", (c) => mbps(c.hash.catMbPerS)],
    ["  hash / cat (target ≥ 0.8) [cores]", (c) => `${(c.hash.mbPerS / c.hash.catMbPerS).toFixed(2)} [${c.hash.cores.toFixed(2)}]`],
    ["pack+upload --pack full: MB/s (s)", (c) => `${mbps(c.upload.fullMbPerS)} (${s(c.upload.fullMedianMs)})`],
    ["  tar czf same dirs: MB/s (s)", (c) => `${mbps(c.upload.tarMbPerS)} (${s(c.upload.tarMs)})`],
    ["  upload / tar (target ≥ 0.7)", (c) => (c.upload.fullMbPerS / c.upload.tarMbPerS).toFixed(2)],
    ["  requests / server CPU (s)", (c) => `${int(c.upload.requests)} / ${c.upload.serverCpuS.toFixed(1)}`],
    ["  peak RSS full / metadata (MB)", (c) => `${rss(c.upload.fullRssKiB)} / ${rss(c.upload.metadataRssKiB)}`],
    ["bytes sent: full / metadata", (c) => `${size(c.upload.fullBytesSent)} / ${size(c.upload.metadataBytesSent)}`],
    ["  full ÷ metadata (target ≥ 10 on P)", (c) => x(c.upload.fullBytesSent / c.upload.metadataBytesSent)],
  ];
  const header = ["metric", ...cols.map((c) => c.name)];
  const body = rows.map(([label, cell]) => [label, ...cols.map(cell)]);
  body.push([`--version: median of ${r.startup.samplesMs.length} (ms) / RSS (MB)`, `${r.startup.medianMs.toFixed(1)} / ${rss(r.startup.rssKiB)}`, ...cols.slice(1).map(() => "")]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => [...row[i]!].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

const miss = (measured: number, limit: number, lowerIsBetter: boolean) => {
  if (lowerIsBetter) return measured <= limit ? "" : `${x(measured / limit)} over (needs ${(((measured - limit) / measured) * 100).toFixed(0)}% less)`;
  return measured >= limit ? "" : `${((1 - measured / limit) * 100).toFixed(0)}% short (needs ${x(limit / measured)})`;
};

export function evaluateTargets(r: BenchResults): Target[] {
  const out: Target[] = [];
  const add = (target: string, scope: string, measured: number, limit: number, lowerIsBetter: boolean, show: (v: number) => string) => {
    const gap = miss(measured, limit, lowerIsBetter);
    out.push({ target, scope, measured: show(measured), pass: gap === "", gap });
  };
  const by = (name: string) => r.scenarios.find((c) => c.name === name);
  for (const c of r.scenarios) {
    add("dry run ≤ 2× floor", c.name, c.dry.medianMs / c.floorMs, 2, true, x);
    add("no-op run ≤ 2× floor", c.name, c.noop.medianMs / c.floorMs, 2, true, x);
  }
  const [m, l] = [by("M"), by("L")];
  if (m && l) {
    add("dry run linear: L ≤ 5.5× M", "L/M", l.dry.medianMs / m.dry.medianMs, 5.5, true, x);
    add("no-op run linear: L ≤ 5.5× M", "L/M", l.noop.medianMs / m.noop.medianMs, 5.5, true, x);
  }
  const u = by("U");
  if (u) {
    add(`dry run ≥ 5× faster than upstream (${s(UPSTREAM.dryMs)} s → ≤ ${s(UPSTREAM.dryMs / 5)} s)`, "U (5,000 exec)", u.dry.medianMs / 1000, UPSTREAM.dryMs / 5000, true, (v) => `${v.toFixed(3)} s (${x(UPSTREAM.dryMs / 1000 / v)} faster)`);
    add(`no-op run ≥ 5× faster than upstream (${s(UPSTREAM.noopMs)} s → ≤ ${s(UPSTREAM.noopMs / 5)} s)`, "U (5,000 exec)", u.noop.medianMs / 1000, UPSTREAM.noopMs / 5000, true, (v) => `${v.toFixed(3)} s (${x(UPSTREAM.noopMs / 1000 / v)} faster)`);
  }
  for (const c of r.scenarios) {
    add("hashing ≥ 0.8 × cat", c.name, c.hash.mbPerS / c.hash.catMbPerS, 0.8, false, (v) => `${v.toFixed(2)} (${mbps(c.hash.mbPerS)} vs ${mbps(c.hash.catMbPerS)} MB/s, ${c.hash.cores.toFixed(2)} cores)`);
  }
  for (const c of r.scenarios) {
    add("pack+upload full ≥ 0.7 × tar czf", c.name, c.upload.fullMbPerS / c.upload.tarMbPerS, 0.7, false, (v) => `${v.toFixed(2)} (${mbps(c.upload.fullMbPerS)} vs ${mbps(c.upload.tarMbPerS)} MB/s)`);
  }
  const p = by("P");
  if (p) add("--pack metadata ≥ 10× fewer bytes than full", "P", p.upload.fullBytesSent / p.upload.metadataBytesSent, 10, false, x);
  for (const c of r.scenarios) {
    const peak = Math.max(c.dry.rssKiB, c.noop.rssKiB, c.upload.fullRssKiB, c.upload.metadataRssKiB);
    add(`peak RSS ≤ ${LIMIT_RSS_MB} MB`, c.name, (peak * 1024) / MB, LIMIT_RSS_MB, true, (v) => `${v.toFixed(0)} MB`);
  }
  const small = by("S");
  if (small && l) {
    add(`RSS flat in archive size: L ≤ ${FLAT_FACTOR}× S (dry run)`, "L/S", l.dry.rssKiB / small.dry.rssKiB, FLAT_FACTOR, true, (v) => `${x(v)} (${rss(small.dry.rssKiB)} → ${rss(l.dry.rssKiB)} MB)`);
    add(`RSS flat in archive size: L ≤ ${FLAT_FACTOR}× S (no-op)`, "L/S", l.noop.rssKiB / small.noop.rssKiB, FLAT_FACTOR, true, (v) => `${x(v)} (${rss(small.noop.rssKiB)} → ${rss(l.noop.rssKiB)} MB)`);
    add(`RSS flat in archive size: L ≤ ${FLAT_FACTOR}× S (upload full)`, "L/S", l.upload.fullRssKiB / small.upload.fullRssKiB, FLAT_FACTOR, true, (v) => `${x(v)} (${rss(small.upload.fullRssKiB)} → ${rss(l.upload.fullRssKiB)} MB)`);
  }
  const big = by("C");
  if (p && big) {
    add(`RSS flat in case size: C (80 MiB case) ≤ ${FLAT_FACTOR}× P (20 MiB cases), upload full`, "C/P", big.upload.fullRssKiB / p.upload.fullRssKiB, FLAT_FACTOR, true, (v) => `${x(v)} (${rss(p.upload.fullRssKiB)} → ${rss(big.upload.fullRssKiB)} MB)`);
  }
  add("--version ≤ 50 ms", "start-up", r.startup.medianMs, 50, true, (v) => `${v.toFixed(1)} ms`);
  return out;
}

export function renderTargets(targets: Target[]): string {
  const rows = targets.map((t) => `| ${t.pass ? "PASS" : "**MISS**"} | ${t.target} | ${t.scope} | ${t.measured} | ${t.gap || "—"} |`);
  return ["| | target | scope | measured | miss by |", "|---|---|---|---|---|", ...rows].join("\n");
}

export function renderStages(r: BenchResults): string {
  const row = (label: string, st: StageTimes) =>
    `| ${label} | ${s(st.wallMs)} | ${s(st.startupMs)} | ${s(st.stateMs)} | ${s(st.scanMs)} | ${s(st.validateMs)} | ${s(st.hashMs)} | ${s(st.applyMs)} |`;
  const rows = r.scenarios.flatMap((c) => [row(`${c.name} dry run`, c.dry.stages), row(`${c.name} no-op`, c.noop.stages), row(`${c.name} upload full`, c.upload.stages)]);
  return [
    "| run | wall | start-up+exit | state fetch | scan | validate | hash | pack+upload+render |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
    ...rows,
  ].join("\n");
}

const BEGIN = "<!-- bench:begin (written by bench/run.ts; edit outside these markers) -->";
const END = "<!-- bench:end -->";

/** RESULTS.md: the generated block replaces the previous one; text outside the markers is kept. */
export function renderMarkdown(r: BenchResults, table: string, previous: string): string {
  const m = r.machine;
  const block = [
    BEGIN,
    `## Latest run`,
    "",
    `${m.date.slice(0, 10)} · ${m.nproc} cores (${m.cpu}), ${m.memGiB} GiB, Linux ${m.kernel} · Bun ${m.bun} · commit ${m.commit}${m.srcDirty ? " + uncommitted src/ changes" : ""} · \`${r.binary}\``,
    "",
    "Times are wall clock, medians; MB = 10⁶ bytes. Warm page cache. The local SimBoard server runs in the",
    "benchmark's own process on the same two cores (its CPU during uploads is shown).",
    "",
    table,
    "",
    "### Targets vs measured",
    "",
    renderTargets(r.targets),
    "",
    `${r.targets.filter((t) => t.pass).length} of ${r.targets.length} pass.`,
    "",
    "### Stage breakdown (seconds; from the JSON event log of the warm-up dry and no-op runs and the first full upload)",
    "",
    renderStages(r),
    END,
  ].join("\n");
  const start = previous.indexOf(BEGIN);
  const end = previous.indexOf(END);
  if (start === -1 || end === -1) {
    return `# Benchmark results\n\n\`npm run bench\` (see bench/README.md) rewrites the block below.\n\n${block}\n`;
  }
  return `${previous.slice(0, start)}${block}${previous.slice(end + END.length)}`;
}
