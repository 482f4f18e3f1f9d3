#!/usr/bin/env node
// A minimal cAdvisor stand-in: publishes the memory accounting of real cgroups, read from
// the kernel on every scrape, under cAdvisor's metric names and labels.
//
//   node cgroup-exporter.js --listen 127.0.0.2:9180 --image memgrowth-e2e-app \
//       --cgroup heap-leak=/sys/fs/cgroup/memory/.../heap-leak [--cgroup name=dir ...] \
//       [--id-root /sys/fs/cgroup/memory/.../host-a] [--id-prefix /memgrowth-e2e]
//
// cgroup v1 (memory.usage_in_bytes, memory.stat total_*) and v2 (memory.current,
// memory.stat anon/file) are both read, the way cAdvisor derives its figures:
//   container_memory_usage_bytes        usage (v1 memory.usage_in_bytes, v2 memory.current)
//   container_memory_working_set_bytes  usage - inactive_file (never below 0)
//   container_memory_rss                v1 total_rss, v2 anon
//   container_memory_cache              v1 total_cache, v2 file
//   container_memory_mapped_file        v1 total_mapped_file, v2 file_mapped
//   container_memory_swap               v1 total_swap, v2 memory.swap.current
//   container_memory_failcnt            v1 memory.failcnt
//   container_memory_max_usage_bytes    v1 memory.max_usage_in_bytes, v2 memory.peak
//   container_spec_memory_limit_bytes   the limit; 0 when unlimited
//   container_oom_events_total          oom_kill from memory.oom_control / memory.events
//   container_start_time_seconds        when the cgroup was created (its directory's
//                                       birth time, else its change time)
// Labels: name (the container name), id (--id-prefix plus the cgroup path below
// --id-root, as cAdvisor names a container by its cgroup path), image.
// No dependencies: Node's standard library only.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const args = { listen: '127.0.0.1:9180', image: 'memgrowth-e2e-app', idRoot: '', idPrefix: '', cgroups: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`argument ${key} needs a value`);
    if (key === '--listen') args.listen = value;
    else if (key === '--image') args.image = value;
    else if (key === '--id-root') args.idRoot = value;
    else if (key === '--id-prefix') args.idPrefix = value.replace(/\/+$/, '');
    else if (key === '--cgroup') {
      const at = value.indexOf('=');
      if (at < 1) throw new Error(`--cgroup wants NAME=DIR, got '${value}'`);
      args.cgroups.push({ name: value.slice(0, at), dir: value.slice(at + 1) });
    } else throw new Error(`unknown argument ${key}; expected --listen, --image, --id-root, --id-prefix, --cgroup NAME=DIR`);
  }
  if (args.cgroups.length === 0) throw new Error('give at least one --cgroup NAME=DIR');
  return args;
}

const UNLIMITED = 2 ** 62;

function readText(dir, file) {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return null;
  }
}

function readNumber(dir, file) {
  const text = readText(dir, file);
  if (text === null) return null;
  if (text === 'max') return Infinity;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function readKeyed(dir, file) {
  const out = {};
  const text = readText(dir, file);
  if (text === null) return out;
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) out[key] = Number(value);
  }
  return out;
}

/// When a cgroup was created, Unix seconds: cAdvisor's container start time.
function createdAt(dir) {
  try {
    const st = fs.statSync(dir);
    return (st.birthtimeMs > 0 ? st.birthtimeMs : st.ctimeMs) / 1000;
  } catch {
    return 0;
  }
}

/// The cAdvisor figures of one cgroup, or null when it is gone.
function sample(dir) {
  const s = memory(dir);
  if (s !== null) s.started = createdAt(dir);
  return s;
}

/// The memory accounting of one cgroup, or null when it is gone.
function memory(dir) {
  const v1Usage = readNumber(dir, 'memory.usage_in_bytes');
  if (v1Usage !== null) {
    const stat = readKeyed(dir, 'memory.stat');
    const limit = readNumber(dir, 'memory.limit_in_bytes');
    const oom = readKeyed(dir, 'memory.oom_control');
    return {
      usage: v1Usage,
      workingSet: Math.max(0, v1Usage - (stat.total_inactive_file ?? 0)),
      rss: stat.total_rss ?? 0,
      cache: stat.total_cache ?? 0,
      mapped: stat.total_mapped_file ?? 0,
      swap: stat.total_swap ?? 0,
      failcnt: readNumber(dir, 'memory.failcnt') ?? 0,
      maxUsage: readNumber(dir, 'memory.max_usage_in_bytes') ?? 0,
      limit: limit === null || limit >= UNLIMITED ? 0 : limit,
      oomKills: oom.oom_kill ?? 0,
    };
  }
  const v2Usage = readNumber(dir, 'memory.current');
  if (v2Usage === null) return null;
  const stat = readKeyed(dir, 'memory.stat');
  const limit = readNumber(dir, 'memory.max');
  const events = readKeyed(dir, 'memory.events');
  return {
    usage: v2Usage,
    workingSet: Math.max(0, v2Usage - (stat.inactive_file ?? 0)),
    rss: stat.anon ?? 0,
    cache: stat.file ?? 0,
    mapped: stat.file_mapped ?? 0,
    swap: readNumber(dir, 'memory.swap.current') ?? 0,
    failcnt: events.max ?? 0,
    maxUsage: readNumber(dir, 'memory.peak') ?? 0,
    limit: limit === null || limit === Infinity || limit >= UNLIMITED ? 0 : limit,
    oomKills: events.oom_kill ?? 0,
  };
}

const METRICS = [
  ['container_memory_usage_bytes', 'gauge', 'Current memory usage in bytes, including all memory regardless of when it was accessed', 'usage'],
  ['container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes', 'workingSet'],
  ['container_memory_rss', 'gauge', 'Size of RSS in bytes.', 'rss'],
  ['container_memory_cache', 'gauge', 'Number of bytes of page cache memory.', 'cache'],
  ['container_memory_mapped_file', 'gauge', 'Size of memory mapped files in bytes.', 'mapped'],
  ['container_memory_swap', 'gauge', 'Container swap usage in bytes.', 'swap'],
  ['container_memory_failcnt', 'counter', 'Number of memory usage hits limits', 'failcnt'],
  ['container_memory_max_usage_bytes', 'gauge', 'Maximum memory usage recorded in bytes', 'maxUsage'],
  ['container_spec_memory_limit_bytes', 'gauge', 'Memory limit for the container.', 'limit'],
  ['container_oom_events_total', 'counter', 'Count of out of memory events observed for the container', 'oomKills'],
  ['container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds.', 'started'],
];

function escapeLabel(value) {
  return String(value).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function render(args) {
  const rows = [];
  for (const cg of args.cgroups) {
    const s = sample(cg.dir);
    if (s === null) continue;
    const id = args.idPrefix + (args.idRoot ? '/' + path.relative(args.idRoot, cg.dir) : cg.dir);
    const labels = `id="${escapeLabel(id)}",image="${escapeLabel(args.image)}",name="${escapeLabel(cg.name)}"`;
    rows.push({ labels, s });
  }
  let out = '';
  for (const [metric, type, help, field] of METRICS) {
    out += `# HELP ${metric} ${help}\n# TYPE ${metric} ${type}\n`;
    for (const { labels, s } of rows) out += `${metric}{${labels}} ${s[field]}\n`;
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const [host, portText] = args.listen.split(/:(?=\d+$)/);
http
  .createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(render(args));
    } else {
      res.writeHead(404);
      res.end('not found\n');
    }
  })
  .listen(Number(portText), host, () => {
    console.error(`cgroup-exporter: serving ${args.cgroups.length} cgroup(s) on http://${args.listen}/metrics`);
  });

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
