/**
 * Starts what the tests need beyond the checkout: a single-node Ceph RGW on 127.0.0.1 (a
 * real S3 that refuses a second conditional PUT, which LanceDB's concurrent commits rely on),
 * unless one already answers on the port. Stops it afterwards when it started it.
 * Every temporary file of the run (test directories, tables, servers' files) goes below one
 * directory of its own, removed at the end, so repeated runs do not fill the disk.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const RGW_PORT = Number(process.env.VCF_AGENT_TEST_RGW_PORT ?? 7480);

async function answers(): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${RGW_PORT}/`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

export default async function setup(): Promise<() => void> {
  const base = tmpdir();
  // The test processes are forked after this and inherit TMPDIR, and so does all they spawn.
  const runTmp = mkdtempSync(path.join(base, "vcf-agent-test-run-"));
  process.env.TMPDIR = runTmp;
  const removeRunTmp = (): void => {
    if (process.env.VCF_AGENT_KEEP_TEST_TMP !== "1") rmSync(runTmp, { recursive: true, force: true });
  };
  if (await answers()) return removeRunTmp;
  const env = { ...process.env, RGW_PORT: String(RGW_PORT), RGW_DIR: path.join(base, `vcf-agent-test-rgw-${RGW_PORT}`) };
  // Fails loudly (and with it the run) when RGW cannot start: the S3 tests must not be skipped silently.
  execFileSync("bash", [path.join(root, "scripts/rgw.sh"), "start"], { env, stdio: ["ignore", "inherit", "inherit"], timeout: 180_000 });
  return () => {
    execFileSync("bash", [path.join(root, "scripts/rgw.sh"), "stop"], { env, stdio: "ignore", timeout: 60_000 });
    removeRunTmp();
  };
}
