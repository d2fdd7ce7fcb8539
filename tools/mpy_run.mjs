#!/usr/bin/env node
// Run Python under real MicroPython (the WebAssembly port, npm package
// @micropython/micropython-webassembly-pyscript) the way a board would:
// a fixed GC heap, the given files copied into its filesystem, and the
// program's output on stdout. Exit status 1 on a Python exception, 2 on a
// usage error, 3 when the program needed more heap than the board has.
//
//   node tools/mpy_run.mjs [--heap 256k] [--grow-heap] [--stats] [--block a,b] [--loop F]
//        [--copy SRC[=DEST]]... (SCRIPT.py | -c CODE)
//
// --copy     copy a file or a directory tree (skipping __pycache__) from the
//            host into MicroPython's filesystem; DEST defaults to /basename(SRC).
//            '/' is the working directory and is on sys.path, so
//            `--copy firmware` makes `import firmware.ticks` work.
// --heap     GC heap size in bytes (suffix k or m). The port can add heap
//            areas on demand ("split heap"); a real board cannot, so by
//            default the run fails when the heap had to grow past --heap.
// --grow-heap  allow that growth (for measurements that report it instead).
// --block    comma-separated module names to make unimportable (a shadow
//            module on '/' raises ImportError), for modules this port freezes
//            in but CircuitPython lacks (abc, functools, ...).
// --loop F   after the program, call the Python function F() again and again
//            until it returns a false value. Each call starts at the top level,
//            and only there does this port collect garbage (it cannot scan the
//            wasm stack mid-run: a collection requested during a call, by
//            gc.collect() or a full heap, waits for the next call, and the heap
//            grows meanwhile). Long runs must therefore come back in chunks.
// --stats    after the run, print one JSON line to stderr:
//            {"heap": initial heap, "heap_total": heap at the end, ...}.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.join(HERE, "..", "node_modules", "@micropython",
  "micropython-webassembly-pyscript", "micropython.mjs");

function usage(msg) {
  process.stderr.write("mpy_run: " + msg + "\n");
  process.stderr.write("usage: node tools/mpy_run.mjs [--heap N[k|m]] [--grow-heap] [--stats] [--block a,b] [--loop F] [--copy SRC[=DEST]]... (SCRIPT.py | -c CODE)\n");
  process.exit(2);
}

function parseSize(text) {
  const m = /^(\d+)([kKmM]?)$/.exec(text || "");
  if (!m) usage("bad size " + JSON.stringify(text));
  const unit = m[2].toLowerCase();
  return parseInt(m[1], 10) * (unit === "k" ? 1024 : unit === "m" ? 1048576 : 1);
}

const opts = { heap: 256 * 1024, grow: false, stats: false, copies: [], block: [], loop: null, code: null, script: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--heap") opts.heap = parseSize(argv[++i]);
  else if (a === "--grow-heap") opts.grow = true;
  else if (a === "--stats") opts.stats = true;
  else if (a === "--loop") {
    opts.loop = argv[++i];
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(opts.loop || "")) usage("--loop needs a function name");
  }
  else if (a === "--block") opts.block.push(...(argv[++i] || "").split(",").filter(Boolean));
  else if (a === "--copy") {
    const spec = argv[++i];
    if (!spec) usage("--copy needs SRC[=DEST]");
    const eq = spec.indexOf("=");
    const src = eq < 0 ? spec : spec.slice(0, eq);
    const dest = eq < 0 ? "/" + path.basename(path.resolve(src)) : spec.slice(eq + 1);
    opts.copies.push([src, dest]);
  } else if (a === "-c") {
    opts.code = argv[++i];
    if (opts.code === undefined) usage("-c needs code");
  } else if (a.startsWith("-")) usage("unknown option " + a);
  else if (opts.script === null && opts.code === null) opts.script = a;
  else usage("only one program");
}
if (opts.code === null && opts.script === null) usage("no program given");
if (opts.script !== null) opts.code = fs.readFileSync(opts.script, "utf8");

if (!fs.existsSync(PKG)) {
  process.stderr.write("mpy_run: MicroPython is not installed (" + PKG + "); run `make setup-node`\n");
  process.exit(4);
}
const { loadMicroPython } = await import(PKG);

// Output: line-buffered by the port; `capture` diverts it while we read
// micropython.mem_info() for the heap check.
let capture = null;
const out = (line) => { if (capture) capture.push(line); else process.stdout.write(line + "\n"); };
const err = (line) => process.stderr.write(line + "\n");
const mp = await loadMicroPython({ heapsize: opts.heap, stdout: out, stderr: err });

function mkdirs(p) {
  let cur = "";
  for (const part of p.split("/").filter(Boolean)) {
    cur += "/" + part;
    try { mp.FS.mkdir(cur); } catch (e) { /* exists */ }
  }
}

function copyIn(src, dest) {
  const st = fs.statSync(src);
  if (st.isDirectory()) {
    mkdirs(dest);
    for (const name of fs.readdirSync(src)) {
      if (name === "__pycache__" || name.endsWith(".pyc")) continue;
      copyIn(path.join(src, name), dest.replace(/\/$/, "") + "/" + name);
    }
  } else {
    mkdirs(path.posix.dirname(dest));
    mp.FS.writeFile(dest, fs.readFileSync(src));
  }
}

for (const name of opts.block) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) usage("bad module name " + JSON.stringify(name));
  mp.FS.writeFile("/" + name + ".py",
    "raise ImportError(\"no module named '" + name + "' (CircuitPython has none)\")\n");
}
for (const [src, dest] of opts.copies) {
  if (!fs.existsSync(src)) usage("no such file: " + src);
  copyIn(src, dest);
}

function heapTotal() {
  capture = [];
  try {
    mp.runPython("import micropython as _m\n_m.mem_info()\ndel _m\n");
  } finally {
    const lines = capture;
    capture = null;
    const m = /GC: total: (\d+), used: (\d+), free: (\d+)/.exec(lines.join("\n"));
    if (!m) throw new Error("cannot read micropython.mem_info(): " + lines.join(" | "));
    return { total: +m[1], used: +m[2], free: +m[3] };
  }
}

const before = heapTotal();
let status = 0;
try {
  mp.runPython(opts.code);
  if (opts.loop !== null) {
    const call = "__loop_result__ = bool(" + opts.loop + "())\n";
    for (;;) {
      mp.runPython(call);
      if (!mp.globals.get("__loop_result__")) break;
    }
  }
} catch (e) {
  if (e && e.constructor && e.constructor.name === "PythonError") {
    process.stderr.write(String(e.message || e).replace(/^PythonError: /, "") + "\n");
    status = 1;
  } else {
    throw e;
  }
}
if (mp._module._stdoutBuffer && mp._module._stdoutBuffer.length) {
  // flush a last line printed without a newline
  out(new TextDecoder().decode(new Uint8Array(mp._module._stdoutBuffer)));
  mp._module._stdoutBuffer = [];
}
const after = heapTotal();
if (opts.stats) {
  err(JSON.stringify({ heap: opts.heap, heap_total_before: before.total, heap_total: after.total, heap_used_end: after.used }));
}
if (status === 0 && !opts.grow && after.total > before.total) {
  err("mpy_run: out of memory: the program needed more than the " + opts.heap +
      "-byte heap (the port grew it to " + after.total + " bytes; a board would raise MemoryError)");
  status = 3;
}
process.exit(status);
