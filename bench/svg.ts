// The chart: one panel per pipeline depth, a group of bars per workload (median ops/s of each
// server, with a min–max whisker), the ratio written above each group. Plain SVG, no library.
import type { WorkloadResult } from "./method.ts";
import { fmtOps } from "./report.ts";

const COLORS = ["#e8590c", "#1971c2", "#2f9e44", "#7048e8"];
const GROUP = 96;
const LEFT = 70;
const PANEL_H = 250;
const TOP = 40;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A round axis maximum above `v` (1, 2, 2.5, 5 × 10^n). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function toSvg(results: WorkloadResult[], labels: string[], title: string): string {
  const pipelines = [...new Set(results.map((r) => r.pipeline))].sort((a, b) => a - b);
  const workloads = [...new Set(results.map((r) => r.workload))];
  const width = LEFT + 20 + Math.max(1, workloads.length) * GROUP;
  const height = TOP + pipelines.length * (PANEL_H + 50) + 30;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`);
  let lx = LEFT;
  labels.forEach((l, i) => {
    out.push(`<rect x="${lx}" y="26" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 14}" y="35">${esc(l)}</text>`);
    lx += 24 + l.length * 7;
  });
  out.push(`<text x="${lx + 10}" y="35" fill="#495057">bars: median ops/s over the rounds; whiskers: min–max</text>`);
  pipelines.forEach((p, pi) => {
    const y0 = TOP + 20 + pi * (PANEL_H + 50); // panel top
    const base = y0 + PANEL_H; // bar baseline
    const rows = results.filter((r) => r.pipeline === p);
    const peak = Math.max(0, ...rows.flatMap((r) => labels.map((l) => r.summary[l]?.opsPerSec.max ?? 0)));
    const max = niceMax(peak);
    const y = (v: number) => base - (v / max) * (PANEL_H - 30);
    out.push(`<text x="${LEFT}" y="${y0 + 4}" font-weight="bold">pipeline ${p}</text>`);
    for (let t = 0; t <= 5; t++) {
      const v = (max * t) / 5;
      out.push(`<line x1="${LEFT}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#dee2e6"/>`);
      out.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${fmtOps(v)}</text>`);
    }
    workloads.forEach((w, wi) => {
      const r = rows.find((x) => x.workload === w);
      const gx = LEFT + 10 + wi * GROUP;
      out.push(`<text x="${gx + GROUP / 2 - 10}" y="${base + 16}" text-anchor="middle">${esc(w)}</text>`);
      if (!r || r.status !== "ok") {
        const why = !r ? "not run" : r.status === "unsupported" ? "unsupported" : "error";
        out.push(`<text x="${gx + GROUP / 2 - 10}" y="${base - 10}" text-anchor="middle" fill="#868e96">${why}</text>`);
        return;
      }
      const bw = (GROUP - 30) / labels.length;
      labels.forEach((l, li) => {
        const s = r.summary[l];
        if (!s) return;
        const x = gx + li * bw;
        const top = y(s.opsPerSec.median);
        out.push(`<rect x="${x}" y="${top}" width="${bw - 2}" height="${base - top}" fill="${COLORS[li % COLORS.length]}"><title>${esc(`${l} ${w} P${p}: ${fmtOps(s.opsPerSec.median)} ops/s (${fmtOps(s.opsPerSec.min)}–${fmtOps(s.opsPerSec.max)})`)}</title></rect>`);
        const cx = x + (bw - 2) / 2;
        out.push(`<line x1="${cx}" x2="${cx}" y1="${y(s.opsPerSec.min)}" y2="${y(s.opsPerSec.max)}" stroke="#212529"/>`);
      });
      const groupTop = Math.min(...labels.map((l) => y(r.summary[l]?.opsPerSec.max ?? 0)));
      const ratio = r.ratio === null ? "n/a" : `${r.ratio.toFixed(2)}x`;
      out.push(`<text class="ratio" x="${gx + (GROUP - 30) / 2}" y="${groupTop - 18}" text-anchor="middle" font-weight="bold">${ratio}</text>`);
      const cpu = r.cpuRatio === null ? "n/a" : `${r.cpuRatio.toFixed(2)}x`;
      out.push(`<text class="cpu-ratio" x="${gx + (GROUP - 30) / 2}" y="${groupTop - 6}" text-anchor="middle" fill="#495057" font-size="10">CPU/op ${cpu}</text>`);
    });
    out.push(`<line x1="${LEFT}" x2="${width - 10}" y1="${base}" y2="${base}" stroke="#495057"/>`);
  });
  out.push(`<text x="${LEFT}" y="${height - 8}" fill="#495057">bold: ${esc(labels[0] ?? "")} / ${esc(labels[1] ?? "")} median ops/s (higher is better); grey: the same for server CPU ns per op (lower is better)</text>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
