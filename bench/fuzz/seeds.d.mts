/** One seed file of the fuzzer. */
export interface Seed {
  /** Path relative to the data directory. */
  readonly name: string;
  /** The file's bytes. */
  readonly raw: Buffer;
  /** Decompressed bytes (`raw` when it is not gzip or does not inflate). */
  readonly text: Buffer;
  readonly compression: "plain" | "gzip" | "bgzf";
  readonly longestLine: number;
  /** The tabix/CSI index next to a BGZF seed. */
  readonly index: { readonly ext: string; readonly bytes: Buffer } | undefined;
}
/** Every regular file under `dataDir`, sorted by path. */
export function loadSeeds(dataDir: string): Seed[];
/** A seed made from mutated text. */
export function textSeed(name: string, text: Buffer): Seed;
