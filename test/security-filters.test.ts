// Filter values cannot change the query: whatever a value holds (quotes, semicolons, SQL
// keywords, comment markers, backslashes, NUL, RTL marks, combining characters, emoji,
// homoglyphs), a filter matches exactly the rows whose column relates to the value as the
// operator says (computed here in JavaScript from the rows written), and the table is left
// as it was. Checked with fast-check against a real LanceDB table, in the store and
// through the HTTP API.
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { createProvider } from "../src/providers/create.js";
import { VcfAgentError } from "../src/errors.js";
import { buildServer, type VcfAgentServer } from "../src/server/app.js";
import { VariantStore, type Filter, type FilterField, type VariantRows } from "../src/store/index.js";
import { rowsOf, tempDir, type TestVariant } from "./_store-fixtures.js";

/** Values stored in the table and used to build filter values: each is hostile somewhere. */
const NASTY = [
  "BRCA1",
  "BRCA2",
  "O'Brien",
  "' OR '1'='1",
  "'; DROP TABLE variants; --",
  "x' OR gene IS NOT NULL OR 'y",
  "a;b",
  "x -- y",
  "/* c */",
  "a\\b",
  "\\'",
  "tail\\",
  "x\u0000y",
  "\u0412RCA1", // Cyrillic В: looks like BRCA1
  "BR\u0421A1", // Cyrillic С
  "e\u0301", // e + combining acute
  "\u00e9", // precomposed é
  "\u{1F9EC}",
  "\u{1F469}\u200d\u{1F469}\u200d\u{1F467}", // a family emoji (ZWJ sequence)
  "\u200fRTL",
  "\u202egnp.exe",
  "\ufeffBOM",
  "x\ufffdy",
  "%",
  "a_b",
  "NULL",
  "",
  " padded ",
  "tab\there",
  "line\nbreak",
  '"double"',
  "1=1",
];

/** Pieces filter values are assembled from: SQL syntax, escapes, unicode oddities, lone surrogates. */
const FRAGMENTS = [
  "'",
  "''",
  '"',
  ";",
  "--",
  "/*",
  "*/",
  "\\",
  "\u0000",
  " OR ",
  " AND ",
  "1=1",
  "DROP TABLE variants",
  "UNION SELECT * FROM variants",
  "IS NULL",
  ")",
  "(",
  "%",
  "_",
  "\u200f",
  "\u202e",
  "\u0301",
  "\u{1F9EC}",
  "\u0412",
  "\ufeff",
  " ",
  "\t",
  "\n",
  "\ud83e", // half of a surrogate pair
  "\udc00", // a lone low surrogate
  ...NASTY,
];

const TEXT_FIELDS = ["gene", "consequence", "clinical_significance", "condition", "filter", "id", "variant_id", "chrom", "ref", "alt", "source"] as const;
type TextField = (typeof TEXT_FIELDS)[number];

/** The fixture: every text column holds hostile values, a few hold nulls. */
const VARIANTS: TestVariant[] = NASTY.map((v, i) => ({
  chrom: i % 3 === 0 ? "chr1" : i % 3 === 1 ? "chrX" : NASTY[(i + 9) % NASTY.length]!,
  pos: 1000 + i,
  ref: i % 4 === 0 ? NASTY[(i + 2) % NASTY.length]! || "A" : "A",
  alt: "G",
  gene: i % 7 === 6 ? null : v,
  consequence: i % 5 === 4 ? null : NASTY[(i + 5) % NASTY.length]!,
  clinicalSignificance: NASTY[(i + 11) % NASTY.length]!,
  condition: i % 6 === 5 ? null : NASTY[(i + 17) % NASTY.length]!,
  filter: NASTY[(i + 23) % NASTY.length]!,
  id: NASTY[(i + 3) % NASTY.length]!,
  af: i / 100,
  qual: i,
}));
const SOURCE = "in'jected;--.vcf";

/** The hostile-valued rows, with vectors from the local embedder (the table a service would search). */
async function fixtureRows(): Promise<VariantRows> {
  const probe = rowsOf(VARIANTS, new Float32Array(0), 1536, SOURCE);
  const provider = createProvider(new SessionConfig().embedding, new SessionConfig().memoryOptimization);
  const vectors = await provider.embedDocuments(probe.description);
  const flat = new Float32Array(VARIANTS.length * provider.dimensions);
  vectors.forEach((v, i) => flat.set(v, i * provider.dimensions));
  return rowsOf(VARIANTS, flat, provider.dimensions, SOURCE);
}

/** Column values of the written rows by filter field (null where the row has none). */
function columnOf(rows: VariantRows, field: TextField): (string | null)[] {
  const n = rows.variantId.length;
  const optional = (c: readonly (string | null)[] | undefined): (string | null)[] => (c === undefined ? new Array<null>(n).fill(null) : [...c]);
  switch (field) {
    case "clinical_significance":
      return optional(rows.clinicalSignificance);
    case "gene":
    case "consequence":
    case "condition":
      return optional(rows[field]);
    case "variant_id":
      return [...rows.variantId];
    case "source":
      return typeof rows.source === "string" ? new Array<string>(n).fill(rows.source) : [...rows.source];
    default:
      return [...rows[field]];
  }
}

/** The ids of the rows the filter must match, by its definition (not by SQL). */
function expectedIds(rows: VariantRows, f: { field: TextField; op: "=" | "!=" | "contains" | "in"; value: string | readonly string[] }): string[] {
  const col = columnOf(rows, f.field);
  const keep = col.map((c) => {
    switch (f.op) {
      case "=":
        return c !== null && c === f.value;
      case "!=":
        return c === null || c !== f.value;
      case "contains":
        return c !== null && c.includes(f.value as string);
      case "in":
        return c !== null && (f.value as readonly string[]).includes(c);
    }
  });
  return rows.variantId.filter((_, i) => keep[i]).sort();
}

const LONE_SURROGATE = /\p{Cs}/u;
const hasLoneSurrogate = (v: string | readonly string[]): boolean => (typeof v === "string" ? [v] : v).some((s) => LONE_SURROGATE.test(s));

/** Any Unicode scalar value (fast-check's "binary" unit costs seconds to build). */
const codePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));

/** Values: stored ones (hits), assemblies of fragments, near misses, arbitrary unicode. */
function valueArb(rows: VariantRows): fc.Arbitrary<string> {
  const stored = [...new Set(TEXT_FIELDS.flatMap((f) => columnOf(rows, f)).filter((v): v is string => v !== null))];
  return fc.oneof(
    fc.constantFrom(...stored),
    fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 5 }).map((a) => a.join("")),
    fc.tuple(fc.constantFrom(...stored), fc.constantFrom(...FRAGMENTS), fc.boolean()).map(([s, f, before]) => (before ? f + s : s + f)),
    fc.string({ unit: codePoint, maxLength: 10 }),
    fc.string({ unit: "grapheme", maxLength: 6 }),
  );
}

type TextFilter = { field: TextField; op: "=" | "!=" | "contains" | "in"; value: string | string[] };

function filterArb(rows: VariantRows): fc.Arbitrary<TextFilter> {
  const value = valueArb(rows);
  return fc.oneof(
    fc.record({ field: fc.constantFrom(...TEXT_FIELDS), op: fc.constantFrom("=" as const, "!=" as const, "contains" as const), value }),
    fc.record({ field: fc.constantFrom(...TEXT_FIELDS), op: fc.constant("in" as const), value: fc.array(value, { minLength: 1, maxLength: 3 }) }),
  );
}

/** Everything stored, read back in id order (vectors included): the table's state. */
async function snapshot(store: VariantStore): Promise<string> {
  const probe = new Float32Array(store.dims as number);
  probe[0] = 1;
  const hits = await store.searchVector(probe, { k: 1000, exact: true, includeVector: true });
  const rows = hits
    .map(({ distance: _d, ...row }) => ({ ...row, vector: Array.from((row as { vector?: Float32Array }).vector ?? []) }))
    .sort((a, b) => (a.variantId < b.variantId ? -1 : 1));
  return JSON.stringify(rows);
}

const tmp = tempDir("vcf-agent-security-filters-");
const db = path.join(tmp.dir, "db");
let rows: VariantRows;
let store: VariantStore;
let before: { version: number | null; rows: number; state: string };

beforeAll(async () => {
  rows = await fixtureRows();
  const writer = await VariantStore.connect(db);
  await writer.addBatch(rows);
  writer.close();
  store = await VariantStore.connect(db, { readOnly: true });
  const stats = await store.stats();
  before = { version: stats.version, rows: stats.rows, state: await snapshot(store) };
  expect(before.rows).toBe(VARIANTS.length);
});

afterAll(() => {
  store?.close();
  tmp.cleanup();
});

async function expectTableUnchanged(): Promise<void> {
  const writer = await VariantStore.connect(db, { readOnly: true });
  try {
    const stats = await writer.stats();
    expect({ version: stats.version, rows: stats.rows }).toEqual({ version: before.version, rows: before.rows });
    expect(await snapshot(writer)).toBe(before.state);
  } finally {
    writer.close();
  }
}

describe("filter values cannot change the query (store)", () => {
  it("the fixture holds the hostile values as written", async () => {
    for (const v of ["'; DROP TABLE variants; --", "x\u0000y", "BR\u0421A1", "e\u0301", "\\'", "\u{1F9EC}"]) {
      const ids = await store.searchVector(new Float32Array(store.dims as number).fill(1 / Math.sqrt(store.dims as number)), {
        k: 1000,
        exact: true,
        filters: [{ field: "gene", op: "=", value: v }],
      });
      expect(ids.map((h) => h.gene)).toEqual(VARIANTS.filter((x) => x.gene === v).map(() => v));
      expect(ids.length).toBeGreaterThan(0);
    }
  });

  it("a structured filter matches exactly the rows its definition selects, whatever the value holds", async () => {
    const query = rows.vectors.subarray(0, rows.dims);
    await fc.assert(
      fc.asyncProperty(filterArb(rows), async (f) => {
        const run = () => store.searchVector(query, { k: 1000, exact: true, filters: [f as Filter] });
        if (hasLoneSurrogate(f.value)) {
          // Not valid Unicode: LanceDB would read U+FFFD in its place and match other text.
          const err = await run().then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(VcfAgentError);
          expect((err as VcfAgentError).message).toContain(`${f.field} value has an unpaired UTF-16 surrogate`);
          return;
        }
        const got = (await run()).map((h) => h.variantId).sort();
        expect(got).toEqual(expectedIds(rows, f));
        expect(await store.count([f as Filter])).toBe(got.length);
      }),
      { numRuns: 250, seed: 20_240_611 },
    );
    await expectTableUnchanged();
  });

  it("the command-line form (field=value, field!=value, field~value) reads the value literally, trimmed", async () => {
    const query = rows.vectors.subarray(0, rows.dims);
    const arb = fc.record({ field: fc.constantFrom(...TEXT_FIELDS), op: fc.constantFrom("=", "!=", "~"), value: valueArb(rows) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ field, op, value }) => {
        fc.pre(!hasLoneSurrogate(value));
        const got = (await store.searchVector(query, { k: 1000, exact: true, filters: [`${field}${op}${value}`] })).map((h) => h.variantId).sort();
        expect(got).toEqual(expectedIds(rows, { field, op: op === "~" ? "contains" : (op as "=" | "!="), value: value.trim() }));
      }),
      { numRuns: 200, seed: 7 },
    );
    await expectTableUnchanged();
  });

  it("numeric fields take numbers only: SQL in their values is refused, naming the field", async () => {
    for (const [field, value] of [
      ["af", "0.01 OR 1=1"],
      ["af", "0.01; DROP TABLE variants"],
      ["pos", "1) OR (1=1"],
      ["qual", "1e400"],
      ["pos", "1.5"],
    ] as [FilterField, string][]) {
      await expect(store.count([{ field, op: "<", value }])).rejects.toThrow(new RegExp(`${field} expects an? (integer|number), got`));
    }
  });
});

describe("filter values cannot change the query (HTTP)", () => {
  let server: VcfAgentServer;
  beforeAll(async () => {
    server = await buildServer({ config: new SessionConfig({ store: { uri: db } }), logLevel: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  const search = (filters: unknown[]) =>
    server.app.inject({ method: "POST", url: "/v1/search", headers: { "content-type": "application/json" }, payload: { text: "BRCA1 variant", k: 1000, exact: true, filters } });

  it("structured and string filters through POST /v1/search select exactly the defined rows", async () => {
    await fc.assert(
      fc.asyncProperty(filterArb(rows), fc.boolean(), async (f, asString) => {
        // The string form exists for = != ~ only; `in` lists have their own quoting (store-filters.test.ts).
        const stringForm = asString && f.op !== "in";
        const op = f.op === "contains" ? "~" : f.op;
        const r = await search([stringForm ? `${f.field}${op}${f.value as string}` : f]);
        if (hasLoneSurrogate(f.value)) {
          expect(r.statusCode).toBe(400);
          expect(r.json().message).toContain("unpaired UTF-16 surrogate");
          return;
        }
        expect(r.statusCode, r.body).toBe(200);
        const got = (r.json() as { hits: { variantId: string }[] }).hits.map((h) => h.variantId).sort();
        const value = stringForm ? (f.value as string).trim() : f.value;
        expect(got).toEqual(expectedIds(rows, { ...f, value }));
      }),
      { numRuns: 100, seed: 42 },
    );
    await expectTableUnchanged();
  });

  it("SQL in numeric values, unknown fields and lone surrogates are 400 naming the filter", async () => {
    const cases: [unknown, string][] = [
      [{ field: "af", op: "<", value: "0.01 OR 1=1" }, 'af expects a number, got "0.01 OR 1=1"'],
      [{ field: "pos", op: "in", value: [1, "2); DROP TABLE variants; --"] }, "pos expects an integer"],
      ["af<0.01; DROP TABLE variants", 'af expects a number, got "0.01; DROP TABLE variants"'],
      ["gene OR 1=1", "expected FIELD OP VALUE"],
      ["description=x", 'unknown field "description"'],
      ["vector=1", 'unknown field "vector"'],
      [{ field: "gene", op: "=", value: "BRCA\ud800" }, "gene value has an unpaired UTF-16 surrogate at index 4"],
      ["gene in BRCA1,\udc00", "unpaired UTF-16 surrogate"],
    ];
    for (const [filter, message] of cases) {
      const r = await search([filter]);
      expect(r.statusCode, JSON.stringify(filter)).toBe(400);
      expect(r.json().message).toContain(message);
    }
    await expectTableUnchanged();
  });
});
