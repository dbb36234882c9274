import { describe, expect, test } from "bun:test";
import { caseIdentity } from "../../src/plan/case-identity.ts";

describe("caseIdentity (upstream's staging rule)", () => {
  test("takes the components after the first one named like the scan root", () => {
    expect(caseIdentity("/global/cfs/cdirs/e3sm/performance_archive/ac.jdoe/caseA", "performance_archive")).toBe("ac.jdoe/caseA");
    expect(caseIdentity("/performance_archive/ac.jdoe/caseA", "performance_archive")).toBe("ac.jdoe/caseA");
  });

  test("uses the first matching component when the name repeats", () => {
    expect(caseIdentity("/a/perf/u/perf/c", "perf")).toBe("u/perf/c");
  });

  test("falls back to the whole path when the root name is absent or last", () => {
    expect(caseIdentity("/lcrc/other/u/c", "performance_archive")).toBe("/lcrc/other/u/c");
    expect(caseIdentity("/x/performance_archive", "performance_archive")).toBe("/x/performance_archive");
  });
});
