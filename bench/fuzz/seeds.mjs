// Seeds of the mutation fuzzer: every file under the shared data directory (conformance
// valid + invalid, htslib expected outputs, indexes, BCF, manifests, and the real
// annotated files), each kept raw and decompressed, with its tabix/CSI index when it has one.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { isGzip, longestLine, plainBytes } from "./containers.mjs";

/** Loads every regular file under `dataDir`, sorted by path so seed numbers are stable. */
export function loadSeeds(dataDir) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) files.push(p);
    }
  };
  walk(dataDir);
  if (files.length === 0) throw new Error(`${dataDir}: no seed files`);
  return files.map((p) => {
    const raw = readFileSync(p);
    const text = plainBytes(raw);
    const seed = {
      name: path.relative(dataDir, p),
      raw,
      text,
      compression: !isGzip(raw) ? "plain" : raw[3] & 4 && raw[12] === 0x42 && raw[13] === 0x43 ? "bgzf" : "gzip",
      longestLine: longestLine(text),
      index: undefined,
    };
    for (const ext of ["tbi", "csi"]) {
      if (seed.compression === "bgzf" && existsSync(`${p}.${ext}`)) {
        seed.index = { ext, bytes: readFileSync(`${p}.${ext}`) };
        break;
      }
    }
    return seed;
  });
}

/** Meta lines, `#CHROM` line and data lines of a seed's text, split once and cached. */
export function seedLines(seed) {
  if (seed.lines === undefined) {
    const all = splitLines(seed.text);
    const chromAt = all.findIndex((l) => l[0] === 0x23 && l[1] !== 0x23);
    seed.lines = {
      header: chromAt === -1 ? all : all.slice(0, chromAt + 1),
      body: chromAt === -1 ? [] : all.slice(chromAt + 1),
      infoDefs: infoDefinitions(all),
    };
  }
  return seed.lines;
}

/** Lines of `b` without their `\n` (a final empty piece after the last newline is dropped). */
export function splitLines(b) {
  const out = [];
  let s = 0;
  while (s < b.length) {
    let nl = b.indexOf(10, s);
    if (nl === -1) nl = b.length;
    out.push(b.subarray(s, nl));
    s = nl + 1;
  }
  return out;
}

/** `##INFO` definitions as `{ id, number, type }` read with a loose regex (the fuzzer's own view, not the reader's). */
function infoDefinitions(lines) {
  const defs = [];
  for (const l of lines) {
    if (l[0] !== 0x23 || l[1] !== 0x23) break;
    const s = l.toString("latin1");
    if (!s.startsWith("##INFO=<")) continue;
    const id = /[<,]ID=([^,>]*)/.exec(s)?.[1];
    if (!id) continue;
    defs.push({ id, number: /[<,]Number=([^,>]*)/.exec(s)?.[1] ?? ".", type: /[<,]Type=([^,>]*)/.exec(s)?.[1] ?? "String" });
  }
  return defs;
}

/** A seed made from mutated text (for stacking mutators). */
export function textSeed(name, text) {
  return { name, raw: text, text, compression: "plain", longestLine: longestLine(text), index: undefined };
}
