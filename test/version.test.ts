import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PORTCULLIS_VERSION } from "../lib/version.js";

describe("PORTCULLIS_VERSION", () => {
  it("matches package.json, which lib/ does not read at run time", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(PORTCULLIS_VERSION).toBe(pkg.version);
  });
});
