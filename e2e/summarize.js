#!/usr/bin/env node
// Prints what a capture of Prometheus query_range JSON files shows, series by series, so
// the physics of a run can be checked by eye before any verdict is trusted:
//
//   node e2e/summarize.js fixtures/real/heap-leak [more dirs or files...]
//
// Per series: points, first and last value, min and max (MiB), the least-squares slope
// (MiB/min), and the floor (the minimum of each 30 s block) at the start and the end.
'use strict';

const fs = require('fs');
const path = require('path');

const MiB = 1024 * 1024;

function files(arg) {
  const stat = fs.statSync(arg);
  if (!stat.isDirectory()) return arg.endsWith('.json') ? [arg] : [];
  return fs
    .readdirSync(arg)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(arg, f));
}

function slopePerMinute(points) {
  const n = points.length;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const mv = points.reduce((a, [, v]) => a + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [t, v] of points) {
    sxy += (t - mt) * (v - mv);
    sxx += (t - mt) * (t - mt);
  }
  return sxx > 0 ? (sxy / sxx) * 60 : 0;
}

function floors(points, blockSeconds) {
  const out = [];
  let block = null;
  for (const [t, v] of points) {
    const b = Math.floor(t / blockSeconds);
    if (block === null || block.b !== b) {
      block = { b, min: v };
      out.push(block);
    } else block.min = Math.min(block.min, v);
  }
  return out.map((x) => x.min);
}

function label(metric) {
  const extra = ['space', 'name']
    .filter((k) => metric[k] !== undefined)
    .map((k) => `${k}=${metric[k]}`)
    .join(',');
  return `${metric.__name__}${extra ? '{' + extra + '}' : ''} @${metric.instance}`;
}

const fmt = (v) => (v / MiB).toFixed(1).padStart(8);

for (const arg of process.argv.slice(2)) {
  for (const file of files(arg)) {
    const response = JSON.parse(fs.readFileSync(file, 'utf8'));
    console.log(`== ${file}`);
    const rows = response.data.result
      .map((s) => ({ name: label(s.metric), points: s.values.map(([t, v]) => [Number(t), Number(v)]) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const { name, points } of rows) {
      if (points.length === 0) continue;
      const values = points.map(([, v]) => v);
      if (name.startsWith('process_start_time_seconds')) {
        console.log(`  ${name.padEnd(75)} n=${points.length} distinct=${new Set(values).size}`);
        continue;
      }
      const f = floors(points, 30);
      console.log(
        `  ${name.padEnd(75)} n=${String(points.length).padStart(4)} first=${fmt(values[0])} last=${fmt(values[values.length - 1])}` +
          ` min=${fmt(Math.min(...values))} max=${fmt(Math.max(...values))} slope=${(slopePerMinute(points) / MiB).toFixed(2).padStart(7)} MiB/min` +
          ` floor ${fmt(f[0])} -> ${fmt(f[f.length - 1])}`,
      );
    }
  }
}
