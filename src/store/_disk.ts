/** Local-filesystem helpers for the store: URI kind, writability checks, sizes, sidecars. */
import { constants } from "node:fs";
import { access, lstat, readFile, readdir, stat } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { VcfAgentError } from "../errors.js";

/** The local directory of a db URI, or null for object storage and other remote schemes. */
export function localPath(uri: string): string | null {
  if (uri.startsWith("file://")) return fileURLToPath(uri);
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(uri)) return null;
  return path.resolve(uri);
}

/**
 * Refuses a db path that cannot hold a database, before anything is written: an
 * existing non-directory, a path below a regular file, or a directory the process
 * cannot write (unless `readOnly`).
 */
export async function checkDbDirectory(dir: string, readOnly: boolean): Promise<void> {
  let probe = dir;
  for (;;) {
    const st = await stat(probe).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return null;
      throw new VcfAgentError(`vector store path ${dir}: cannot inspect ${probe}: ${e.message}`, "STORE", { cause: e });
    });
    if (st !== null) {
      if (!st.isDirectory()) {
        const what = probe === dir ? "exists and is not a directory" : `is below ${probe}, which is not a directory`;
        throw new VcfAgentError(`vector store path ${dir} ${what}`, "STORE");
      }
      break;
    }
    if (readOnly && probe === dir) throw new VcfAgentError(`vector store path ${dir} does not exist (opened read-only)`, "STORE");
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  if (readOnly) return;
  try {
    await access(probe, constants.W_OK | constants.X_OK);
  } catch (e) {
    const what = probe === dir ? "is not writable" : `cannot be created: ${probe} is not writable`;
    throw new VcfAgentError(`vector store path ${dir} ${what}`, "STORE", { cause: e });
  }
}

/** Total bytes of the regular files under `dir` (0 when it does not exist). Symlinks are not followed. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(p);
    else if (entry.isFile()) total += (await lstat(p)).size;
  }
  return total;
}

/** Parsed JSON of `file`, undefined when it does not exist; a read or parse failure is returned as an error text. */
export async function readJsonIfPresent(file: string): Promise<{ value: unknown } | { error: string } | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return { error: (e as Error).message };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `${file}: not valid JSON: ${(e as Error).message}` };
  }
}
