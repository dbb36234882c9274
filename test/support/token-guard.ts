/**
 * Preloaded for the whole suite: after every test file has run, every byte
 * any run of the binary printed is searched for every token a test used.
 */
import { afterAll, expect } from "bun:test";
import { capturedOutput, testTokens } from "./run-binary.ts";
import { DEFAULT_TOKEN } from "./simboard-server.ts";

testTokens.add(DEFAULT_TOKEN);

afterAll(() => {
  const all = capturedOutput.join("");
  // Proof that the guard saw the runs: binaries ran whenever more than the default token was registered.
  if (testTokens.size > 1) expect(all.length).toBeGreaterThan(0);
  for (const token of testTokens) {
    expect(all.includes(token)).toBe(false);
    expect(all.includes(token.replace(/^sbk_/, ""))).toBe(false);
  }
});
