/**
 * Bearer-key authentication. The key and the presented token are both hashed to
 * SHA-256 first, so `timingSafeEqual` compares equal-length digests and the time taken
 * says nothing about the key's length or content.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * A checker for `Authorization` headers against `apiKey`.
 * @example
 * const ok = bearerChecker(process.env.VCF_AGENT_API_KEY!);
 * ok("Bearer s3cret"); // true
 */
export function bearerChecker(apiKey: string): (authorization: string | undefined) => boolean {
  const expected = digest(apiKey);
  return (authorization) => {
    const m = /^Bearer[ \t]+(\S.*?)[ \t]*$/i.exec(authorization ?? "");
    // Hash something even for a missing header, so both paths cost the same.
    const presented = digest(m?.[1] ?? "");
    return timingSafeEqual(presented, expected) && m !== null;
  };
}
