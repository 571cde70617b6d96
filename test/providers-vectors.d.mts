/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export declare function fnv1a(text: string): number;
/** `dims` values in [-0.5, 0.5) from a xorshift32 stream started at `seed` (0 starts at 1), as float32. */
export declare function xorshiftVector(seed: number, dims: number): Float32Array;
