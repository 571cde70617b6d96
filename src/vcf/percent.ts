/**
 * VCF 4.3 §1.2 percent-encoding of INFO/FORMAT String values. Only the characters the
 * spec requires to be encoded are decoded, so a literal `%` in older files (e.g.
 * `50%`) survives unchanged.
 */

const DECODE: Readonly<Record<string, string>> = {
  "3A": ":",
  "3B": ";",
  "3D": "=",
  "25": "%",
  "2C": ",",
  "0D": "\r",
  "0A": "\n",
  "09": "\t",
};

const ENCODED = /%(3[ABD]|25|2C|0[DA9])/gi;

/**
 * Decodes `%3A %3B %3D %25 %2C %0D %0A %09` (either hex case); any other `%` is kept.
 * @example decodePercent("a%3Bb%2Cc") // "a;b,c"
 */
export function decodePercent(value: string): string {
  if (value.indexOf("%") === -1) return value;
  return value.replace(ENCODED, (_m, hex: string) => DECODE[hex.toUpperCase()] ?? _m);
}
