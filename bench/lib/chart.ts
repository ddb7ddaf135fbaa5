import type { RowResult } from './results.js';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A horizontal bar chart of throughput ratio (guarded / unguarded twin) by configuration:
 * ours and peers in two colours, the min–max spread of the rounds as a whisker, and dashed
 * lines at the targets (0.80, 0.85, 0.90). Plain SVG, no dependency.
 */
export function ratioChart(rows: readonly RowResult[], subtitle: string): string {
  const width = 820;
  const left = 270;
  const right = 70;
  const top = 58;
  const bar = 20;
  const gap = 8;
  const plot = width - left - right;
  // Up to 1.1, or a little past the largest median; wild whiskers of noisy runs are clipped.
  const max = Math.min(1.6, Math.max(1.1, ...rows.map((r) => r.ratio * 1.1)));
  const x = (v: number) =>
    Math.round((left + (Math.min(max, Math.max(0, v)) / max) * plot) * 10) / 10;
  const height = top + rows.length * (bar + gap) + 44;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="600">Throughput of the guarded route as a share of its unguarded twin</text>`,
    `<text x="${left}" y="40" fill="#555">${escape(subtitle)}</text>`,
  );
  const bottom = top + rows.length * (bar + gap);
  for (let t = 0; t <= max + 1e-9; t += 0.2) {
    const tx = x(t);
    out.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${bottom}" stroke="#e6e6e6"/>`,
      `<text x="${tx}" y="${bottom + 16}" text-anchor="middle" fill="#555">${t.toFixed(1)}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = top + i * (bar + gap);
    const colour = r.kind === 'ours' ? '#2f6fdf' : '#9a9a9a';
    out.push(
      `<text x="${left - 8}" y="${y + bar / 2 + 4}" text-anchor="end">${escape(r.name)}${r.kind === 'peer' ? ' (peer)' : ''}</text>`,
      `<rect x="${left}" y="${y}" width="${Math.max(1, x(r.ratio) - left)}" height="${bar}" fill="${colour}"/>`,
      `<line x1="${x(r.ratio_min)}" y1="${y + bar / 2}" x2="${x(r.ratio_max)}" y2="${y + bar / 2}" stroke="#222"/>`,
      `<line x1="${x(r.ratio_min)}" y1="${y + 5}" x2="${x(r.ratio_min)}" y2="${y + bar - 5}" stroke="#222"/>`,
      `<line x1="${x(r.ratio_max)}" y1="${y + 5}" x2="${x(r.ratio_max)}" y2="${y + bar - 5}" stroke="#222"/>`,
      `<text x="${x(Math.max(r.ratio, r.ratio_max)) + 6}" y="${y + bar / 2 + 4}">${r.ratio.toFixed(2)}</text>`,
    );
  });
  for (const [target, label] of [
    [0.8, '0.80'],
    [0.85, '0.85'],
    [0.9, '0.90'],
  ] as const) {
    out.push(
      `<line x1="${x(target)}" y1="${top - 8}" x2="${x(target)}" y2="${bottom}" stroke="#d9480f" stroke-dasharray="4 3"/>`,
      `<text x="${x(target)}" y="${top - 11}" text-anchor="middle" fill="#d9480f" font-size="10">${label}</text>`,
    );
  }
  const ly = bottom + 32;
  out.push(
    `<rect x="${left}" y="${ly - 10}" width="12" height="12" fill="#2f6fdf"/>`,
    `<text x="${left + 18}" y="${ly}">nest-sessions (Chirp)</text>`,
    `<rect x="${left + 170}" y="${ly - 10}" width="12" height="12" fill="#9a9a9a"/>`,
    `<text x="${left + 188}" y="${ly}">peer</text>`,
    `<text x="${left + 240}" y="${ly}" fill="#555">whiskers: min–max of the rounds; dashed: targets</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
