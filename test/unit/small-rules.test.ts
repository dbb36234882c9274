import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { apiRoot } from "../../src/api/api-url.ts";
import { describeBody, parseRetryAfter } from "../../src/api/response-detail.ts";
import { readEnvSettings } from "../../src/config/env-settings.ts";
import { archiveFilename } from "../../src/pack/archive-name.ts";
import { takeGroup } from "../../src/pack/pack-batches.ts";
import { LID_LINE } from "../../src/scan/metadata-files.ts";

describe("apiRoot", () => {
  test.each([
    ["https://simboard-api.e3sm.org", "https://simboard-api.e3sm.org/api/v1"],
    ["https://simboard-api.e3sm.org/", "https://simboard-api.e3sm.org/api/v1"],
    ["https://simboard-api.e3sm.org/api/v1", "https://simboard-api.e3sm.org/api/v1"],
    ["https://simboard-api.e3sm.org/api/v1/", "https://simboard-api.e3sm.org/api/v1"],
    ["http://127.0.0.1:8000/prefix/", "http://127.0.0.1:8000/prefix/api/v1"],
  ])("%s → %s", (input, expected) => expect(apiRoot(input)).toBe(expected));
});

describe("describeBody", () => {
  test("reads FastAPI details, validation lists, HTML titles, text and nothing", () => {
    expect(describeBody('{"detail":"File too large"}')).toBe("File too large");
    expect(describeBody('{"detail":[{"type":"missing","loc":["body","case_path"],"msg":"Field required"}]}')).toBe("case_path: Field required");
    expect(describeBody("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")).toBe("502 Bad Gateway");
    expect(describeBody("Internal Server Error")).toBe("Internal Server Error");
    expect(describeBody("")).toBe("");
  });
});

describe("parseRetryAfter", () => {
  test("seconds or an HTTP date", () => {
    expect(parseRetryAfter("120", 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(30_000).toUTCString(), 0)).toBe(30_000);
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

describe("readEnvSettings", () => {
  test("maps upstream's variables and words", () => {
    expect(
      readEnvSettings({ SIMBOARD_API_BASE_URL: "https://x", MACHINE_NAME: "pm-cpu", PERF_ARCHIVE_ROOT: "/a", DRY_RUN: "Yes", MAX_CASES_PER_RUN: "5", MAX_ATTEMPTS: "4", REQUEST_TIMEOUT_SECONDS: "30", SIMBOARD_API_TOKEN_FILE: "/t" }),
    ).toEqual({ apiUrl: "https://x", machine: "pm-cpu", archiveRoot: "/a", dryRun: true, maxCases: 5, maxAttempts: 4, timeout: 30, tokenFile: "/t" });
    expect(readEnvSettings({ DRY_RUN: "off", MAX_ATTEMPTS: "" })).toEqual({ dryRun: false });
  });

  test("refuses unknown boolean words and archive scan mode", () => {
    expect(() => readEnvSettings({ DRY_RUN: "maybe" })).toThrow("DRY_RUN: expected one of");
    expect(() => readEnvSettings({ SCAN_MODE: "archive" })).toThrow("SCAN_MODE");
  });
});

describe("archiveFilename", () => {
  test("lower-case <case>-<12 hex of sha256(case_path)>.tar.gz", () => {
    const casePath = "/lcrc/performance_archive/ac.jdoe/v3.LR.Historical_0101";
    const hex = createHash("sha256").update(casePath).digest("hex").slice(0, 12);
    expect(archiveFilename(casePath)).toBe(`v3.lr.historical_0101-${hex}.tar.gz`);
    expect(archiveFilename("/a/run notes é")).toMatch(/^run_notes__-[0-9a-f]{12}\.tar\.gz$/);
  });
});

describe("takeGroup", () => {
  test("takes from the front up to the budget; a big item stands alone", () => {
    const sizes: Record<string, number> = { a: 30, b: 30, c: 100, d: 10, e: 10 };
    const estimate = (id: string) => sizes[id]!;
    expect(takeGroup(["a", "b", "c", "d", "e"], estimate, 60)).toEqual(["a", "b"]);
    expect(takeGroup(["c", "d", "e"], estimate, 60)).toEqual(["c"]);
    expect(takeGroup(["d", "e"], estimate, 60)).toEqual(["d", "e"]);
    expect(takeGroup([], estimate, 60)).toEqual([]);
  });
});

describe("LID_LINE", () => {
  // Expected values computed with CPython 3 from upstream's e3sm_timing.py
  // rule: any(re.match(r"LID\s*[:=]\s*(.+)", line.strip()) for line in text.splitlines()).
  test.each([
    ["LID : 1085209.251220-105556", true],
    ["  LID         : 1085209.251220-105556\n", true],
    ["header\r\n\tLID= x\r\nmore", true],
    ["LID :", false],
    ["LID :   \n", false],
    ["LID : \r\nx", false],
    ["LID\n: x", false],
    ["xLID : y", false],
    ["  \n  \n LID=\tv", true],
    ["foo\rLID : x", true],
    ["LID :\u2028x", false],
    ["LIDS : x", false],
    ["lid : x", false],
    ["", false],
    ["no lid here\n", false],
    ["LID :\r 1085209.251220-105556\n", false],
    ["LID :\u000b1", false],
    ["LID:\u2028x", false],
    ["LID :\u001f", false],
    ["LID\u001f: y", true],
    ["a\u001cLID=1", true],
    ["a\u0085LID=1", true],
    ["LID =\u00a0\u00a0z", true],
    ["LID \u3000= z\u3000", true],
    ["LID :\f", false],
  ] as Array<[string, boolean]>)("%j → %p, as the server decides", (text, expected) => {
    expect(LID_LINE.test(text)).toBe(expected);
  });

  // The same rule written the server's way: split at Python's line breaks, strip Python's whitespace.
  const breaks = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/;
  const space = "[\\t-\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  const strip = new RegExp(`^${space}+|${space}+$`, "g");
  const lid = new RegExp(`^LID${space}*[:=]${space}*(.+)`);
  const serverRule = (text: string) => text.split(breaks).some((line) => lid.test(line.replace(strip, "")));

  test("agrees with the server's rule on 20,000 generated texts", () => {
    const alphabet = ["L", "I", "D", "LID", " ", "\t", "\r", "\n", "\r\n", ":", "=", "x", "\u2028", "\u00a0", "\v", "\x1c", "\x1f", "\x85"];
    let seed = 207;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let matches = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      const expected = serverRule(text);
      if (LID_LINE.test(text) !== expected) throw new Error(`disagree on ${JSON.stringify(text)}`);
      if (expected) matches++;
    }
    expect(matches).toBeGreaterThan(100);
  });
});
