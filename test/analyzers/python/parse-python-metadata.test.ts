import { describe, expect, it } from "vitest";
import { normalizePypiName } from "../../../lib/analyzers/python/normalize-pypi-name.js";
import { parsePythonMetadata } from "../../../lib/analyzers/python/parse-python-metadata.js";
import { junkBytes } from "../fixtures.js";

const meta = (lines: string[]) => parsePythonMetadata(Buffer.from(lines.join("\n")));

describe("parsePythonMetadata", () => {
  it("prefers License-Expression (PEP 639) over License and classifiers", () => {
    expect(
      meta([
        "Metadata-Version: 2.4",
        "Name: attrs",
        "Version: 25.3.0",
        "License-Expression: MIT OR Apache-2.0",
        "License: MIT",
        "Classifier: License :: OSI Approved :: MIT License",
      ]),
    ).toEqual({ name: "attrs", version: "25.3.0", licenses: ["MIT OR Apache-2.0"], warnings: [] });
  });

  it("takes a short License, else every License classifier's last segment", () => {
    const classifiers = [
      "Classifier: License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)",
      "Classifier: License :: OSI Approved",
      "Classifier: License :: Public Domain",
      "Classifier: Topic :: Utilities",
      "Classifier: License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)",
    ];
    expect(meta(["Name: a", "Version: 1", "License: BSD-3-Clause", ...classifiers]).licenses).toEqual([
      "BSD-3-Clause",
    ]);
    expect(meta(["Name: a", "Version: 1", "License: UNKNOWN", ...classifiers]).licenses).toEqual([
      "GNU Lesser General Public License v2 (LGPLv2)",
      "Public Domain",
    ]);
    // A license text folded over several lines is not a license name.
    const folded = [
      "License: Copyright (c) 2010 Someone",
      "        Permission is hereby granted, free of charge",
    ];
    expect(meta(["Name: a", "Version: 1", ...folded, ...classifiers]).licenses).toHaveLength(2);
    expect(meta(["Name: a", "Version: 1", `License: ${"x".repeat(101)}`]).licenses).toEqual([]);
  });

  it("reads headers only: the body after the first blank line is the description", () => {
    const parsed = meta([
      "Name: Flask_SQLAlchemy",
      "Version: 3.1.1",
      "Description: first line",
      "        ",
      "        Name: not-a-header",
      "",
      "Version: 9.9.9 (in the body)",
    ]);
    expect(parsed).toEqual({ name: "Flask_SQLAlchemy", version: "3.1.1", licenses: [], warnings: [] });
  });

  it("tolerates CRLF, a byte-order mark and field names in any case", () => {
    expect(parsePythonMetadata("\ufeffNAME: a\r\nversion:  1.0 \r\n")).toMatchObject({
      name: "a",
      version: "1.0",
    });
  });

  it("warns about invalid metadata instead of throwing", () => {
    expect(meta(["Summary: no identity"]).warnings).toEqual(["no Name field", "no Version field"]);
    expect(meta(["Name:", "Version: 1"]).warnings).toEqual(["no Name field"]);
    const junk = parsePythonMetadata(junkBytes(50_000));
    expect(junk.name).toBeUndefined();
    expect(junk.warnings.length).toBeGreaterThan(0);
    expect(meta([" orphan continuation", "bad header line", "Name: a", "Version: 1"]).warnings).toEqual([
      "line 1: continuation line without a field",
      'line 2: not a "Field: value" header',
    ]);
  });
});

describe("normalizePypiName", () => {
  it("applies PEP 503", () => {
    expect(normalizePypiName("Flask_SQLAlchemy")).toBe("flask-sqlalchemy");
    expect(normalizePypiName("zope.interface")).toBe("zope-interface");
    expect(normalizePypiName("PyGObject")).toBe("pygobject");
    expect(normalizePypiName("a-_.-b")).toBe("a-b");
    expect(normalizePypiName("dbus-python")).toBe("dbus-python");
  });
});
