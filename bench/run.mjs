/**
 * `npm run bench`: every case of bench/README.md, a table on stdout and bench/results.json.
 * Runs on the compiled dist/ (npm run bench builds it first). Scapy and the kernel oracle are used
 * when present and skipped with a row saying so when not.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBareCrypto, benchEsp, espSizes, median } from './esp.mjs';
import { benchSad, benchSpd } from './lookup.mjs';
import { meshScript } from './mesh.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const python = process.env.PYTHON ?? '/usr/bin/python3';
const rows = [];

/** One table row. `ratio` and `goal` are optional; `met` is true/false when there is a goal. */
function row(name, value, unit, extra = {}) {
  const r = { case: name, value, unit, ratio: extra.ratio ?? null, goal: extra.goal ?? null, met: extra.met ?? null };
  if (extra.note) r.note = extra.note;
  rows.push(r);
  process.stderr.write(`  ${name}: ${fmt(value)} ${unit}\n`);
  return r;
}

function fmt(v) {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  if (v >= 100) return Math.round(v).toString();
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function section(title) {
  process.stderr.write(`${title}\n`);
}

// ---------------------------------------------------------------- 1, 2, 3: ESP tunnel, bare crypto, Scapy

const PAYLOADS = [64, 1374];
const ECHOES = 3000;
const RUNS = 5;

function scapy(payload, count) {
  const probe = spawnSync(python, ['-c', 'import scapy.layers.ipsec, cryptography'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const r = spawnSync(python, [join(here, 'scapy_esp.py'), String(payload), String(count)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scapy_esp.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function espCases() {
  section('ESP tunnel a -> r -> b (cbc(aes) 128 + hmac(sha1)), ICMPv6 echo');
  for (const payload of PAYLOADS) {
    const { wire } = espSizes(payload);
    const off = benchEsp({ payload, trace: false, count: ECHOES, runs: RUNS });
    const on = benchEsp({ payload, trace: true, count: ECHOES, runs: RUNS });
    const bare = benchBareCrypto({ payload, count: 4 * ECHOES, runs: RUNS });
    const ratio = bare.pps / off.pps;
    row(`esp tunnel ${payload} B payload (${wire} B on the wire), trace off`, off.pps, 'pkt/s', {
      ratio,
      goal: 'xfrmsim/bare <= 1.5',
      met: ratio <= 1.5,
      note: 'ratio: time per packet through the stack over the bare crypto time of the same packet',
    });
    row(`esp tunnel ${payload} B payload, trace on`, on.pps, 'pkt/s', { ratio: bare.pps / on.pps, note: 'ratio as above' });
    row(`bare crypto ${payload} B (aes-cbc enc+dec ${bare.plain} B, hmac-sha1 mac+verify ${bare.authed} B)`, bare.pps, 'pkt/s');
    const s = scapy(payload, payload > 1000 ? 1000 : 2000);
    if (s) {
      if (s.wire !== wire) throw new Error(`scapy packet is ${s.wire} bytes, ours ${wire}`);
      const r = off.pps / s.pps;
      row(`scapy esp ${payload} B (encrypt+decrypt)`, s.pps, 'pkt/s', { ratio: r, goal: 'xfrmsim/scapy >= 50', met: r >= 50 });
    } else {
      row(`scapy esp ${payload} B`, 'scapy not installed', '-', { note: `${python} cannot import scapy.layers.ipsec and cryptography` });
    }
  }
}

// ---------------------------------------------------------------- 4: lookups

function lookupCases() {
  section('SPD and SAD lookups');
  const spd10 = benchSpd('indexed', 10, 200_000);
  row('spd indexed, 10 policies', spd10.ns, 'ns/lookup');
  const spd1k = benchSpd('indexed', 1000, 100_000);
  row('spd indexed, 1k policies', spd1k.ns, 'ns/lookup', { ratio: spd1k.ns / spd10.ns, note: 'ratio: over 10 policies' });
  const spd100k = benchSpd('indexed', 100_000, 30_000);
  const r = spd100k.ns / spd10.ns;
  row('spd indexed, 100k policies', spd100k.ns, 'ns/lookup', { ratio: r, goal: '100k/10 <= 3', met: r <= 3 });
  row('spd linear, 10 policies', benchSpd('linear', 10, 200_000).ns, 'ns/lookup');
  row('spd linear, 1k policies', benchSpd('linear', 1000, 4000).ns, 'ns/lookup');
  const sad10 = benchSad(10, 500_000);
  row('sad inbound, 10 states', sad10.ns, 'ns/lookup');
  const sad100k = benchSad(100_000, 500_000);
  const q = sad100k.ns / sad10.ns;
  row('sad inbound, 100k states (1M not measured: see note)', sad100k.ns, 'ns/lookup', {
    ratio: q,
    goal: '100k/10 <= 3',
    met: q <= 3,
    note: `building 100k states took ${sad100k.buildS.toFixed(1)} s; 1M would take about ten times that, beyond the bench's time budget`,
  });
}

// ---------------------------------------------------------------- 5: the mesh

function findUmlRun() {
  const candidates = [process.env.UML_RUN, resolve(root, '../shared/oracle/uml-run')].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', 'command -v uml-run'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

function wallSeconds(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function meshCases(work) {
  section('mesh: N nodes on a bridge, ESP transport between every ordered pair (bash through runScenario)');
  const results = {};
  for (const [n, mode] of [
    [10, 'all'],
    [50, 'all'],
    [100, 'sample'],
  ]) {
    const script = join(work, `mesh-${n}.sh`);
    writeFileSync(script, meshScript(n, mode));
    const r = spawnSync(process.execPath, [join(here, 'mesh.mjs'), '--run', script], { encoding: 'utf8' });
    const j = JSON.parse(r.stdout.trim().split('\n').pop());
    if (j.exitCode !== 0) throw new Error(`mesh ${n} failed (${j.exitCode}): ${j.tail}`);
    const pings = Number(/(\d+) pings ok/.exec(j.tail)?.[1] ?? 0);
    results[n] = { ...j, script };
    const what = mode === 'all' ? `all ${pings} pairs pinged` : `${pings} of ${n * (n - 1)} pairs pinged (each node to 3 others)`;
    row(`mesh N=${n}: ${n * (n - 1)} SAs x2, ${what}`, j.seconds, 's');
    row(`mesh N=${n}: peak memory`, j.peakRssMB, 'MB rss');
  }
  const uml = findUmlRun();
  if (!uml) {
    row('mesh N=10 on Linux 6.1 (uml-run)', 'uml-run not found', '-', { note: 'set UML_RUN to the oracle script' });
    return;
  }
  const empty = join(work, 'empty.sh');
  writeFileSync(empty, '#!/bin/bash\ntrue\n');
  const boot = wallSeconds(uml, [empty, join(work, 'uml-empty')]);
  const kernel = wallSeconds(uml, [results[10].script, join(work, 'uml-mesh-10')]);
  if (kernel.status !== 0) {
    row('mesh N=10 on Linux 6.1 (uml-run)', `failed (rc ${kernel.status})`, '-');
    return;
  }
  const net = kernel.seconds - boot.seconds;
  row('mesh N=10 on Linux 6.1 (uml-run, boot subtracted)', net, 's', {
    ratio: net / results[10].seconds,
    note: `ratio: kernel time over xfrmsim time; wall ${kernel.seconds.toFixed(1)} s minus an empty script's ${boot.seconds.toFixed(1)} s`,
  });
}

// ---------------------------------------------------------------- 6: start-up

function startupCases(work) {
  section('start-up');
  const node = process.execPath;
  const bare = [];
  const run = [];
  for (let i = 0; i < 5; i++) {
    bare.push(wallSeconds(node, ['-e', '0']).seconds);
    const r = wallSeconds(node, ['dist/cli/main.js', 'run', 'scenarios/article/ah1-as-intended.sh', '--out', join(work, `ah1-${i}`)], {
      cwd: root,
    });
    if (r.status !== 0) throw new Error(`xfrmsim run ah1-as-intended.sh exited ${r.status}`);
    run.push(r.seconds);
  }
  const b = median(bare) * 1000;
  const x = median(run) * 1000;
  row('node -e 0', b, 'ms');
  row('xfrmsim run scenarios/article/ah1-as-intended.sh', x, 'ms', { ratio: x / b, note: 'ratio: over node -e 0' });
}

// ---------------------------------------------------------------- main

function printTable() {
  const header = ['case', 'value', 'unit', 'ratio', 'goal', 'met?'];
  const body = rows.map((r) => [
    r.case,
    fmt(r.value),
    r.unit,
    r.ratio === null ? '' : fmt(r.ratio),
    r.goal ?? '',
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

const work = mkdtempSync(join(tmpdir(), 'xfrmsim-bench.'));
mkdirSync(work, { recursive: true });
const started = Date.now();
try {
  espCases();
  lookupCases();
  meshCases(work);
  startupCases(work);
} finally {
  rmSync(work, { recursive: true, force: true });
}
printTable();
const results = {
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  },
  seconds: Math.round((Date.now() - started) / 1000),
  rows,
};
writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nbench/results.json written (${results.seconds} s)`);
