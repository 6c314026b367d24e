import type { Analyzer } from "../../lib/analyzers/types.js";

/**
 * A tiny analyzer for pipeline tests: "etc/pkgs" or "opt/pkgs/*" list packages as "name version"
 * lines, so layer mechanics can be tested without depending on a real package database format.
 */
export const lineAnalyzer: Analyzer = {
  name: "line-packages",
  version: 1,
  maxFileSize: 1024 * 1024,
  required: (path) => path === "etc/pkgs" || path.startsWith("opt/pkgs/"),
  analyze: ({ bytes }) => ({
    packages: bytes
      .toString("utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        const [name = "", version = ""] = line.trim().split(/\s+/);
        if (name === "boom") throw new Error("malformed database");
        return { ecosystem: "test", name, version };
      }),
  }),
};
