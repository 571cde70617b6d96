// Generated INFO columns: declared keys with right and wrong types and counts (Number=A/R/G
// against the record's ALT count), undeclared keys, flags with values, percent-encoding, and
// the annotation fields describe() reads (CSQ, ANN, EFF, GENEINFO, CLNSIG, MC, CLNDN, AF…)
// filled with structured garbage.

const KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.";
const VALUE_CHARS = "ACGTacgt0123456789_-+.:|&()/ %";
const WEIRD_ENTRIES = ["", "=", "==", "=x", "K=", ";", "%", ".", "K=%zz", "K=%3B%3D%25%2C%0A%09", "K=é", "K=\u{1F600}", "K=a=b", "K=,", "K=,,", "K=.,.", " K=1", "K =1", "K=1 "];
const INT_TOKENS = ["0", "-1", "7", "2147483647", "-2147483648", "99999999999999999999", "1.5", "abc", ".", "", "+3", "1e3", "0x1f"];
const FLOAT_TOKENS = ["0.5", "1e-5", "nan", "NaN", "inf", "-Infinity", "1e400", "abc", ".", "", "+.5", "5.", "-0", "1,5", "0.1.2"];
const ANNOTATION_KEYS = ["CSQ", "ANN", "EFF", "GENEINFO", "CLNSIG", "MC", "CLNDN", "AF", "AF_EXAC", "AF_ESP", "gnomAD_AF", "MAX_AF"];
const CONSEQUENCES = ["missense_variant", "stop_gained&splice_region_variant", "NON_SYNONYMOUS_CODING", "weird_term", "", "&", "frameshift_variant&&", "SO:0001583"];
const SUBFIELDS = ["-", "A", "C", "ACGT", "", "YES", "1", "2", "HIGH", "MODERATE", "BRCA1", "ENSG00000012048", "ENST00000357654.9:c.5266dupC", "p.%3D", "c.462G>A(p.%3D)", "0.5", "abc", "1e400", "&", "(", ")"];

/** Number of values the header's Number says a record with `altCount` ALTs should carry. */
function expectedCount(number, altCount) {
  if (number === "A") return altCount;
  if (number === "R") return altCount + 1;
  if (number === "G") return ((altCount + 1) * (altCount + 2)) / 2;
  if (/^\d+$/.test(number)) return Math.min(Number(number), 50);
  return 3;
}

function scalar(rng, type) {
  if (type === "Integer") return rng.chance(0.7) ? String(rng.range(-5, 1000)) : rng.pick(INT_TOKENS);
  if (type === "Float") return rng.chance(0.7) ? String(rng.next().toFixed(rng.range(0, 6))) : rng.pick(FLOAT_TOKENS);
  if (type === "Character") return rng.chance(0.8) ? rng.text(1, "ACGTN*") : rng.text(rng.range(0, 3), VALUE_CHARS);
  return rng.text(rng.range(0, 12), VALUE_CHARS);
}

/** One `KEY=VALUE` entry for a declared field: right or perturbed count, right or wrong type. */
function declared(rng, def, altCount) {
  if (def.type === "Flag" && rng.chance(0.7)) return def.id;
  if (rng.chance(0.05)) return def.id; // a non-Flag without a value
  let n = expectedCount(def.number, altCount);
  if (rng.chance(0.3)) n = Math.max(0, n + rng.pick([-1, 1, 2, -n, n]));
  const type = rng.chance(0.85) ? def.type : rng.pick(["Integer", "Float", "String"]);
  const values = Array.from({ length: Math.max(1, n) }, () => scalar(rng, type));
  return `${def.id}=${values.join(",")}`;
}

/** Structured garbage for one of the annotation keys describe() reads. */
function annotation(rng, key, altCount) {
  const entries = () => rng.range(0, 6);
  const sub = () => Array.from({ length: rng.range(1, 45) }, () => rng.pick(rng.chance(0.3) ? CONSEQUENCES : SUBFIELDS)).join("|");
  switch (key) {
    case "CSQ":
    case "ANN":
      return `${key}=${Array.from({ length: entries() }, sub).join(",")}`;
    case "EFF":
      return `EFF=${Array.from({ length: entries() }, () => `${rng.pick(CONSEQUENCES)}${rng.pick(["(", "", "(("])}${sub()}${rng.pick([")", "", "))"])}`).join(",")}`;
    case "GENEINFO":
      return `GENEINFO=${rng.pick(["BRCA1:672", "BRCA1:672|NBR2:10230", ":", "|", "", ":672", "BRCA1:", "A:1:2", "%3A"])}`;
    case "CLNSIG":
      return `CLNSIG=${rng.pick(["Pathogenic", "Likely_pathogenic", "", ".", "_", "Benign,Pathogenic", "Pathogenic|risk_factor"])}`;
    case "MC":
      return `MC=${rng.pick(["SO:0001583|missense_variant", "SO:0001583|missense_variant,SO:0001619|non-coding_transcript_variant", "|", ",", "SO:1|", "|x,|y", ""])}`;
    case "CLNDN":
      return `CLNDN=${rng.pick(["not_provided|Hereditary_cancer", "_", "|", "not_specified", "", "___|__x", "See_cases"])}`;
    default:
      return `${key}=${Array.from({ length: rng.chance(0.6) ? altCount : rng.range(0, altCount + 2) }, () => rng.pick(FLOAT_TOKENS)).join(",")}`;
  }
}

/**
 * A whole INFO column for a record with `altCount` ALT alleles, given the seed's `##INFO`
 * definitions (`{ id, number, type }`).
 */
export function randomInfo(rng, defs, altCount) {
  const n = rng.int(10);
  if (n === 0) return rng.pick(["", ".", ";", ";;", "=;"]);
  const parts = [];
  for (let i = 0; i < n; i++) {
    const kind = rng.int(10);
    if (kind < 4 && defs.length > 0) parts.push(declared(rng, rng.pick(defs), altCount));
    else if (kind < 6) parts.push(annotation(rng, rng.pick(ANNOTATION_KEYS), altCount));
    else if (kind < 8) {
      const key = rng.text(rng.range(1, 10), KEY_CHARS);
      parts.push(rng.chance(0.3) ? key : `${key}=${rng.text(rng.range(0, 20), VALUE_CHARS)}`);
    } else parts.push(rng.pick(WEIRD_ENTRIES));
  }
  return parts.join(rng.chance(0.95) ? ";" : ";;");
}

/** An `##INFO` line for CSQ, ANN, EFF or AF with an odd layout, Number or Type. */
export function randomAnnotationHeader(rng) {
  const key = rng.pick(["CSQ", "ANN", "EFF", "AF", "GENEINFO", "CLNSIG"]);
  const number = rng.pick([".", "A", "R", "G", "1", "0", "2"]);
  const type = rng.pick(["String", "String", "Integer", "Float", "Flag", "Character"]);
  const names = ["Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "CANONICAL", "PICK", "ALLELE_NUM", "HGVSc", "HGVSp", "gnomAD_AF", "MAX_AF", "Annotation", "Gene_Name", "Effect_Impact", "Genotype_Number", "Amino_Acid_Change", ""];
  const count = rng.chance(0.05) ? 600 : rng.range(0, 20);
  const layout = Array.from({ length: count }, () => rng.pick(names)).join(rng.pick(["|", " | ", "||"]));
  const description = rng.pick([`Format: ${layout}`, `Functional annotations: '${layout}'`, `Effect ( ${layout} )`, layout, "Format:", "'", "(", ""]);
  return `##INFO=<ID=${key},Number=${number},Type=${type},Description="${description}">`;
}
