/**
 * Bearer-key authentication. The key and the presented token are both hashed to
 * SHA-256 first, so `timingSafeEqual` compares equal-length digests and the time taken
 * says nothing about the key's length or content.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

const SCHEME = /^Bearer[ \t]+/i;

/**
 * The token of `Bearer <token>` without trailing blanks, or null for any other form.
 * Linear in the header's length: it is read before authentication, from anyone (a
 * backtracking pattern such as `(\S.*?)[ \t]*$` took 150 ms on a 16 KiB header of blanks).
 */
function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const scheme = SCHEME.exec(header);
  if (scheme === null) return null;
  let end = header.length;
  while (end > scheme[0].length && (header[end - 1] === " " || header[end - 1] === "\t")) end--;
  return end > scheme[0].length ? header.slice(scheme[0].length, end) : null;
}

/**
 * A checker for `Authorization` headers against `apiKey`.
 * @example
 * const ok = bearerChecker(process.env.VCF_AGENT_API_KEY!);
 * ok("Bearer s3cret"); // true
 */
export function bearerChecker(apiKey: string): (authorization: string | undefined) => boolean {
  const expected = digest(apiKey);
  return (authorization) => {
    const token = bearerToken(authorization);
    // Hash something even for a missing header, so both paths cost the same.
    const presented = digest(token ?? "");
    return timingSafeEqual(presented, expected) && token !== null;
  };
}
