import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEmbeddingsBody } from "../src/providers/remote/_openai-body.js";
import { base64Of, openaiResponse, vectorFor } from "./providers-fixtures.js";

const parse = (text: string): unknown => parseEmbeddingsBody(Buffer.from(text, "utf8"));

describe("parseEmbeddingsBody", () => {
  it("equals JSON.parse on compact and pretty-printed OpenAI bodies", () => {
    const body = openaiResponse(["a", "b", "c"], 16);
    for (const text of [JSON.stringify(body), JSON.stringify(body, null, 2)]) {
      expect(parse(text)).toEqual(JSON.parse(text));
    }
  });

  it("equals JSON.parse with float arrays, escapes, non-ASCII text and decoy keys", () => {
    const v = base64Of(vectorFor("x", 4));
    const texts = [
      JSON.stringify(openaiResponse(["a", "b"], 4, "float")),
      `{"model":"m\\"odel","data":[{"index":0,"embedding":"${v}"}]}`,
      `{"model":"modèle ✓","data":[{"index":0,"embedding":"${v}"}]}`,
      `{"embedding":"${v}","data":[{"index":0,"embedding":"${v}"}]}`,
      `{"data":[{"index":0,"meta":{"embedding":"${v}"},"embedding":"${v}"}]}`,
      `{"data":[{"object":"embedding","index":0,"embedding" : "${v}"}],"usage":{"embedding":1}}`,
      `{"data":[]}`,
      `[1,2]`,
    ];
    for (const text of texts) expect(parse(text)).toEqual(JSON.parse(text));
  });

  it("equals JSON.parse for arbitrary JSON placed around base64 embeddings", () => {
    const b64 = fc.uint8Array({ minLength: 0, maxLength: 64 }).map((u) => Buffer.from(u).toString("base64"));
    const item = fc.record({ index: fc.nat(), embedding: fc.oneof(b64, fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }))), extra: fc.jsonValue() }, { requiredKeys: ["index", "embedding"] });
    const body = fc.record({ data: fc.array(item, { maxLength: 5 }), model: fc.string({ unit: "grapheme" }), other: fc.jsonValue() }, { requiredKeys: ["data"] });
    fc.assert(
      fc.property(body, fc.boolean(), (b, pretty) => {
        const text = pretty ? JSON.stringify(b, null, 1) : JSON.stringify(b);
        expect(parse(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it("puts back decode(cut) for each base64 embedding, and leaves bodies parsed whole alone", () => {
    const decode = (b64: string): unknown => ({ decoded: b64.length });
    const body = openaiResponse(["a", "b", "c"], 16);
    const want = JSON.parse(JSON.stringify(body)) as { data: { embedding: string }[] };
    for (const item of want.data) item.embedding = decode(item.embedding) as never;
    expect(parseEmbeddingsBody(Buffer.from(JSON.stringify(body)), decode)).toEqual(want);
    // A backslash anywhere: parsed whole, strings kept.
    const escaped = `{"model":"m\\"odel","data":[{"index":0,"embedding":"${base64Of(vectorFor("x", 4))}"}]}`;
    expect(parseEmbeddingsBody(Buffer.from(escaped), decode)).toEqual(JSON.parse(escaped));
  });

  it("throws SyntaxError for invalid JSON, like JSON.parse", () => {
    const v = base64Of(vectorFor("x", 4));
    for (const text of [`{"data":[{"index":0,"embedding":"${v}"}`, `{"data":[{"index":0,"embedding":"${v}`, `{"embedding": "a": 1}`]) {
      expect(() => parse(text)).toThrow(SyntaxError);
    }
  });
});
