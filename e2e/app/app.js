#!/usr/bin/env node
// A small Node.js service for memgrowth's end-to-end test: it serves the real
// prom-client default metrics on /metrics and runs one memory workload, chosen at start.
//
//   node app.js --workload heap-leak --listen 127.0.0.2:9101 [--rate 1] [--dir /tmp/x]
//               [--warmup SECONDS | --begin-at UNIX_SECONDS]
//
// Workloads (each models a real cause of memory growth):
//   heap-leak      objects retained forever in a JS array (an unbounded request log):
//                  the V8 old space and its post-GC floor rise by ~8 MiB/min.
//   offheap-leak   Intl.DateTimeFormat objects cached per request and never evicted. Each
//                  holds ~40 KiB of ICU state malloc'ed by native code that V8 accounts
//                  neither as heap nor as external memory: RSS rises by ~8 MiB/min while
//                  the heap and external memory stay flat (heap snapshots show nothing).
//   buffer-leak    retained Buffers: external memory (and RSS) rise, the heap stays flat.
//   cache-plateau  an LRU Map cache with a capacity, fed random keys from a key space
//                  twice its size: it fills along a saturating curve to ~117 MiB in
//                  ~5 min (the first third of the default 15-min window), then churns
//                  at its cap.
//   stable         the baseline alone: request garbage and a fixed ring of recent requests
//                  (GC sawtooth, regular major GCs, no trend).
//   page-cache     appends to a growing file (~2 MiB/s) and reads back recent parts of it:
//                  the kernel page cache charged to the cgroup grows while heap and RSS
//                  stay flat.
// `--rate` scales the growth of every workload (1 = the figures above).
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const client = require('prom-client');

function parseArgs(argv) {
  const args = { workload: '', listen: '127.0.0.1:9101', rate: 1, dir: '', warmup: 5, 'begin-at': 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (!(key in args) || value === undefined) {
      throw new Error(`unknown or incomplete argument ${argv[i]}; expected --workload W --listen HOST:PORT [--rate R] [--dir DIR] [--warmup S | --begin-at UNIX]`);
    }
    args[key] = typeof args[key] === 'number' ? Number(value) : value;
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const TICK_MS = 100;
const MiB = 1024 * 1024;

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const retained = new client.Gauge({
  name: 'memgrowth_e2e_retained_items',
  help: 'Items the workload currently keeps alive (retained objects, contexts, cache entries).',
  registers: [registry],
});
const fileBytes = new client.Gauge({
  name: 'memgrowth_e2e_file_bytes',
  help: 'Size of the file the page-cache workload writes.',
  registers: [registry],
});
const info = new client.Gauge({
  name: 'memgrowth_e2e_workload_info',
  help: 'The workload this process runs.',
  labelNames: ['workload'],
  registers: [registry],
});
info.set({ workload: args.workload }, 1);

// Short-lived garbage every workload makes, so the heap shows a real GC sawtooth.
// The baseline every workload runs, as a service handling requests does: `kib` objects of
// about 1 KiB each, dropped at once (young-generation garbage), and a ring of the last
// 3000 requests (~3 MiB) in which 20 entries are replaced every tick, so objects live long
// enough to be promoted and die in the old space. That makes regular major GCs and a real
// old-space sawtooth whose floor is flat.
const recent = [];
function baseline() {
  if (recent.length === 0) for (let i = 0; i < 3000; i++) recent.push({ i, s: flatString(1000) });
  for (let i = 0; i < 20; i++) {
    const at = Math.floor(Math.random() * recent.length);
    recent[at] = { i: at, s: flatString(1000) };
  }
  churn(50);
}

// `kib` objects of about 1 KiB each, dropped at once.
function churn(kib) {
  const junk = [];
  for (let i = 0; i < kib; i++) junk.push(new Array(120).fill(i));
  return junk.length;
}

// A fresh flat (sequential) string of `bytes` characters. String.prototype.repeat and
// concatenation build cons-string trees of a few dozen bytes, which would not hold the
// memory they claim; a JSON round trip copies into one new string, all on the V8 heap.
let flatCounter = 0;
function flatString(bytes) {
  return JSON.parse(JSON.stringify(String(flatCounter++).padEnd(bytes, '.')));
}

function heapLeak() {
  const log = [];
  // ~8 MiB/min at rate 1: 10 ticks/s x 14 objects of ~1 KiB.
  const perTick = Math.max(1, Math.round(14 * args.rate));
  return () => {
    for (let i = 0; i < perTick; i++) {
      log.push({ at: Date.now(), path: '/api/items/' + log.length, body: flatString(900) });
    }
    retained.set(log.length);
  };
}

function offheapLeak() {
  // A formatter cache keyed per request (locale, time zone, request options) that never
  // evicts: each Intl.DateTimeFormat holds ~40 KiB of ICU state malloc'ed by native code
  // that V8 accounts neither as heap nor as external memory, behind a JS wrapper of
  // ~200 bytes. 3.3 formatters/s at rate 1 = ~8 MiB/min of RSS.
  const formatters = new Map();
  const zones = Intl.supportedValuesOf('timeZone');
  const locales = ['en-US', 'de-DE', 'fr-FR', 'ja-JP', 'ko-KR', 'pt-BR', 'zh-CN', 'ar-EG'];
  const everyTicks = Math.max(1, Math.round(3 / args.rate));
  let tick = 0;
  return () => {
    if (tick++ % everyTicks !== 0) return;
    const n = formatters.size;
    const locale = `${locales[n % locales.length]}-u-ca-${n % 2 ? 'gregory' : 'chinese'}`;
    const timeZone = zones[n % zones.length];
    formatters.set(`${locale}|${timeZone}|${n}`, new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'full', timeStyle: 'full' }));
    retained.set(formatters.size);
  };
}

function bufferLeak() {
  const buffers = [];
  const perTick = Math.max(1, Math.round(14 * args.rate));
  return () => {
    for (let i = 0; i < perTick; i++) buffers.push(Buffer.alloc(1024, i));
    retained.set(buffers.length);
  };
}

function cachePlateau() {
  const capacity = 20000;
  const keySpace = 2 * capacity;
  const cache = new Map();
  // ~90 lookups/s; a miss stores a ~6 KiB value. The cache reaches its cap after
  // about 2 * capacity * ln 2 / rate = 310 s, then evicts its least recently used entry;
  // the rise (~117 MiB) stands well clear of the GC sawtooth (~13 MiB). A fill within the
  // first tenth of the window would be, to the engine, the start-up of a young process
  // (docs/verdicts.md): the fill takes a third, so the workload is a plateau to any reader.
  const perTick = Math.max(1, Math.round(9 * args.rate));
  return () => {
    for (let i = 0; i < perTick; i++) {
      const key = 'k' + Math.floor(Math.random() * keySpace);
      const hit = cache.get(key);
      if (hit !== undefined) {
        cache.delete(key);
        cache.set(key, hit);
        continue;
      }
      cache.set(key, { key, value: flatString(6000) });
      if (cache.size > capacity) cache.delete(cache.keys().next().value);
    }
    retained.set(cache.size);
  };
}

function stable() {
  // Nothing beyond the baseline every workload runs: flat, with a GC sawtooth.
  return () => {};
}

function pageCache() {
  if (!args.dir) throw new Error('the page-cache workload needs --dir DIR (a disk-backed directory, not tmpfs)');
  fs.mkdirSync(args.dir, { recursive: true });
  const file = path.join(args.dir, `page-cache-${process.pid}.dat`);
  const fd = fs.openSync(file, 'w+');
  process.on('exit', () => fs.rmSync(file, { force: true }));
  // ~2 MiB/s at rate 1: 200 KiB per tick, from one reused buffer so the heap stays flat.
  const chunk = Buffer.alloc(Math.max(4096, Math.round(200 * 1024 * args.rate)), 'p');
  const readBuf = Buffer.alloc(256 * 1024);
  let size = 0;
  return () => {
    fs.writeSync(fd, chunk, 0, chunk.length, size);
    size += chunk.length;
    // Serve a recent part of the file back, as a log shipper or a static server would.
    const from = Math.max(0, size - 8 * MiB + Math.floor(Math.random() * 8 * MiB));
    fs.readSync(fd, readBuf, 0, readBuf.length, Math.min(from, Math.max(0, size - readBuf.length)));
    fileBytes.set(size);
  };
}

const workloads = {
  'heap-leak': heapLeak,
  'offheap-leak': offheapLeak,
  'buffer-leak': bufferLeak,
  'cache-plateau': cachePlateau,
  stable,
  'page-cache': pageCache,
};

const make = workloads[args.workload];
if (!make) {
  console.error(`unknown --workload '${args.workload}'; expected one of: ${Object.keys(workloads).join(', ')}`);
  process.exit(2);
}

const [host, portText] = args.listen.split(/:(?=\d+$)/);
const server = http.createServer(async (req, res) => {
  if (req.url === '/metrics') {
    try {
      const body = await registry.metrics();
      res.writeHead(200, { 'Content-Type': registry.contentType });
      res.end(body);
    } catch (err) {
      res.writeHead(500);
      res.end(String(err));
    }
  } else if (req.url === '/healthz') {
    res.end('ok\n');
  } else {
    res.writeHead(404);
    res.end('not found\n');
  }
});
server.listen(Number(portText), host, () => {
  console.error(`${args.workload}: pid ${process.pid} serving http://${args.listen}/metrics`);
});

// Every workload runs the same baseline from the start, so the V8 heap settles during the
// warm-up; the workload's own behaviour begins after `--warmup` seconds, or at the Unix
// time `--begin-at` (so that processes started one after another begin together).
const step = make();
const beginAt = args['begin-at'] > 0 ? args['begin-at'] * 1000 : Date.now() + args.warmup * 1000;
setInterval(() => {
  baseline();
  if (Date.now() >= beginAt) step();
}, TICK_MS);

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
