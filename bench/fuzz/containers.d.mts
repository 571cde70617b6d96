/** The empty BGZF block that ends a bgzip file. */
export const BGZF_EOF: Buffer;
/** Largest payload of one BGZF block. */
export const BGZF_BLOCK: number;
/** One gzip member of `data`. */
export function gzipMember(data: Uint8Array, level?: number): Buffer;
/** One BGZF block of `data`. */
export function bgzfBlock(data: Uint8Array, level?: number): Buffer;
/** `data` as bgzip writes it. */
export function bgzf(data: Uint8Array, options?: { blockSize?: number; eof?: boolean; level?: number }): Buffer;
/** True when `b` starts with the gzip magic. */
export function isGzip(b: Uint8Array): boolean;
/** Decompressed bytes of a gzip seed, or `b` itself. */
export function plainBytes(b: Buffer): Buffer;
/** Length of the longest line of `b`. */
export function longestLine(b: Uint8Array): number;
