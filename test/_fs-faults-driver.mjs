// Storage faults under a real ingest, run inside a private mount namespace (`unshare -m`,
// or `unshare -Urm` without root) so that no mount outlives it: test/reliability-faults.test.ts
// starts it and asserts on the JSON it prints.
//
//   disk-full: the db lives on a tmpfs of `small` bytes; the ingest runs out of space
//              mid-file; the tmpfs is grown to `big` ("space freed") and the ingest rerun.
//   read-only: the db directory is bind-mounted read-only over itself once the first
//              checkpoint exists; the mount is removed and the ingest rerun.
//
// Usage: node test/_fs-faults-driver.mjs '{"scenario":…,"cli":…,"file":…,"config":…,"dir":…,"small":…,"big":…}'
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, watch } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { remountReadOnly } from "../bench/crash/faults.mjs";

const args = JSON.parse(process.argv[2]);
const db = join(args.dir, "db");

function ingest(extra = []) {
  const child = spawn(process.execPath, [args.cli, "ingest", args.file, "--db", db, "--config", args.config, "--quiet", ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, VCF_AGENT_DEBUG: "" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s) => (stderr += s));
  const done = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Every stored id and the vector width, or null when there is no committed table. */
async function table() {
  if (!existsSync(join(db, "variants.lance", "_versions"))) return null;
  const conn = await lancedb.connect(db);
  try {
    const t = await conn.openTable("variants");
    const dims = (await t.schema()).fields.find((f) => f.name === "vector").type.listSize;
    const ids = [];
    for await (const b of t.query().select(["variant_id"])) {
      const col = b.getChild("variant_id");
      for (let i = 0; i < col.length; i++) ids.push(col.get(i));
    }
    t.close();
    return { ids, dims };
  } finally {
    conn.close();
  }
}

function checkpoint() {
  const dir = join(db, "variants.checkpoints");
  const f = existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith(".json")) : undefined;
  return f === undefined ? null : JSON.parse(readFileSync(join(dir, f), "utf8"));
}

const out = { scenario: args.scenario };
if (args.scenario === "disk-full") {
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${args.small}`, "tmpfs", args.dir]);
  out.first = await ingest().done;
  out.afterFault = { table: await table(), checkpoint: checkpoint() };
  execFileSync("mount", ["-o", `remount,size=${args.big}`, args.dir]);
  out.rerun = await ingest(["--format", "json"]).done;
  out.final = { table: await table(), checkpoint: checkpoint() };
  execFileSync("umount", [args.dir]);
} else if (args.scenario === "read-only") {
  mkdirSync(join(db, "variants.checkpoints"), { recursive: true });
  const run = ingest();
  // The first checkpoint means one commit is in: from here on, every write must fail.
  const first = await new Promise((resolve) => {
    const w = watch(join(db, "variants.checkpoints"), (_t, name) => {
      if (!String(name).endsWith(".json")) return;
      w.close();
      resolve(true);
    });
    run.done.then(() => {
      w.close();
      resolve(false);
    });
  });
  if (first) {
    // Paused while the mount changes, so the ingest cannot finish first on a quiet machine;
    // the files it holds open stay on the old mount, everything it opens next is read-only.
    run.child.kill("SIGSTOP");
    execFileSync("mount", ["--bind", db, db]);
    await remountReadOnly(db);
    run.child.kill("SIGCONT");
  }
  out.first = await run.done;
  out.afterFault = { table: await table(), checkpoint: checkpoint() };
  execFileSync("umount", [db]);
  out.rerun = await ingest(["--format", "json"]).done;
  out.final = { table: await table(), checkpoint: checkpoint() };
} else {
  throw new Error(`unknown scenario ${args.scenario}`);
}
process.stdout.write(JSON.stringify(out));
