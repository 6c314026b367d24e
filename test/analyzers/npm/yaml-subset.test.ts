import { describe, expect, it } from "vitest";
import { parseYamlSubset } from "../../../lib/analyzers/npm/yaml-subset.js";

describe("parseYamlSubset", () => {
  it("nests by indentation and reads plain, quoted and flow scalars", () => {
    const { root, malformed } = parseYamlSubset(
      [
        "# comment",
        "a:",
        "  'it''s': 1",
        '  "q:\\"x\\"": "v # not a comment"',
        "  flow: {integrity: sha512-x, tarball: https://h/x.tgz}",
        "  list:",
        "    - one",
        "  nested:",
        "    deeper: yes",
        "b: 2 # trailing",
      ].join("\n"),
    );
    expect(malformed).toBe(0);
    const a = root.get("a") as Map<string, unknown>;
    expect(a.get("it's")).toBe("1");
    expect(a.get('q:"x"')).toBe("v # not a comment");
    expect(a.get("flow")).toBe("{integrity: sha512-x, tarball: https://h/x.tgz}");
    expect(a.get("list")).toEqual(new Map());
    expect((a.get("nested") as Map<string, unknown>).get("deeper")).toBe("yes");
    expect(root.get("b")).toBe("2 # trailing");
  });

  it("counts lines it cannot read instead of throwing", () => {
    expect(parseYamlSubset("just text\n'open: 1\nok: 1\n").malformed).toBe(2);
    expect(parseYamlSubset("\u0000\u0001:\u0002").malformed).toBe(1);
  });
});
