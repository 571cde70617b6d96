import { describe, expect, it } from "vitest";
import { VcfAgentError } from "../src/errors.js";
import { FILTER_FIELDS, checkFilter, compileFilters, parseFilter } from "../src/store/index.js";

function usageError(fn: () => unknown): VcfAgentError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VcfAgentError);
    expect((e as VcfAgentError).code).toBe("USAGE");
    return e as VcfAgentError;
  }
  throw new Error("expected a USAGE error");
}

describe("parseFilter", () => {
  it("reads each operator", () => {
    expect(parseFilter("gene=BRCA1")).toEqual({ field: "gene", op: "=", value: "BRCA1" });
    expect(parseFilter("gene != BRCA1")).toEqual({ field: "gene", op: "!=", value: "BRCA1" });
    expect(parseFilter("pos>=43044295")).toEqual({ field: "pos", op: ">=", value: 43044295 });
    expect(parseFilter("pos<=5")).toEqual({ field: "pos", op: "<=", value: 5 });
    expect(parseFilter("af<0.01")).toEqual({ field: "af", op: "<", value: 0.01 });
    expect(parseFilter("qual>30")).toEqual({ field: "qual", op: ">", value: 30 });
    expect(parseFilter("condition~cancer")).toEqual({ field: "condition", op: "contains", value: "cancer" });
    expect(parseFilter("clinical_significance=Pathogenic")).toEqual({ field: "clinical_significance", op: "=", value: "Pathogenic" });
  });

  it("reads ranges for numeric fields and keeps '..' literal in text", () => {
    expect(parseFilter("pos=43044295..43125483")).toEqual({ field: "pos", op: "between", value: [43044295, 43125483] });
    expect(parseFilter("af=0..0.05")).toEqual({ field: "af", op: "between", value: [0, 0.05] });
    expect(parseFilter("gene=A..B")).toEqual({ field: "gene", op: "=", value: "A..B" });
    expect(usageError(() => parseFilter("pos=10..5")).message).toMatch(/low 10 is above high 5/);
  });

  it("reads lists with quoted items", () => {
    expect(parseFilter("gene in BRCA1, BRCA2")).toEqual({ field: "gene", op: "in", value: ["BRCA1", "BRCA2"] });
    expect(parseFilter('condition in "Breast cancer, familial","say ""hi""",x')).toEqual({
      field: "condition",
      op: "in",
      value: ["Breast cancer, familial", 'say "hi"', "x"],
    });
    expect(parseFilter("pos in 1,2,3")).toEqual({ field: "pos", op: "in", value: [1, 2, 3] });
  });

  it("keeps everything after the operator, including further operators and quotes", () => {
    expect(parseFilter("condition=a=b<c").value).toBe("a=b<c");
    expect(parseFilter("gene=' OR 1=1 --").value).toBe("' OR 1=1 --");
  });

  it("refuses unknown fields, naming the valid ones", () => {
    const e = usageError(() => parseFilter("genes=BRCA1"));
    expect(e.message).toContain('"genes"');
    for (const f of FILTER_FIELDS) expect(e.message).toContain(f);
    usageError(() => parseFilter("vector=1"));
    usageError(() => parseFilter("description=x"));
  });

  it("says what value was expected", () => {
    expect(usageError(() => parseFilter("pos>=abc")).message).toMatch(/pos expects an integer, got "abc"/);
    expect(usageError(() => parseFilter("pos=1.5")).message).toMatch(/integer/);
    expect(usageError(() => parseFilter("af<")).message).toMatch(/af expects a number/);
    expect(usageError(() => parseFilter("af<Infinity")).message).toMatch(/af expects a number/);
    expect(usageError(() => parseFilter("af<1;DROP")).message).toMatch(/af expects a number/);
    expect(usageError(() => parseFilter("gene<BRCA1")).message).toMatch(/numeric fields/);
    expect(usageError(() => parseFilter("af~1")).message).toMatch(/text fields/);
    expect(usageError(() => parseFilter("BRCA1")).message).toMatch(/FIELD OP VALUE/);
  });
});

describe("compileFilters", () => {
  it("escapes quotes and prints only whitelisted identifiers", () => {
    expect(compileFilters(["gene=O'Brien"])).toBe("(gene = 'O''Brien')");
    expect(compileFilters(["gene=' OR 1=1 --", "af<0.01"])).toBe("(gene = ''' OR 1=1 --') AND (af < 0.01)");
    expect(compileFilters(["gene!=X"])).toBe("(gene IS NULL OR gene <> 'X')");
    expect(compileFilters(["pos=1..2"])).toBe("(pos >= 1 AND pos <= 2)");
    expect(compileFilters(["gene in a,b'c"])).toBe("(gene IN ('a', 'b''c'))");
    expect(compileFilters(["condition~x'y"])).toBe("(strpos(condition, 'x''y') > 0)");
    expect(compileFilters([])).toBeUndefined();
  });

  it("checks structured filters too", () => {
    const bad = { field: "gene; DROP TABLE variants", op: "=", value: "x" } as unknown as Parameters<typeof checkFilter>[0];
    usageError(() => compileFilters([bad]));
    usageError(() => compileFilters([{ field: "af", op: "<", value: Number.NaN }]));
    usageError(() => compileFilters([{ field: "gene", op: "like" as "=", value: "x" }]));
    expect(compileFilters([{ field: "af", op: "<", value: "0.5" }])).toBe("(af < 0.5)");
  });
});
