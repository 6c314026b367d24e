import { describe, expect, it } from "vitest";
import { assignOwners } from "../../lib/inventory/ownership.js";
import type { Package } from "../../lib/inventory/package.js";

const layer = { index: 0, diffID: "sha256:a", digest: "sha256:b" };
const pkg = (ecosystem: string, name: string, version: string, foundIn: string): Package => ({
  ecosystem,
  name,
  version,
  layer,
  foundIn,
});

describe("assignOwners", () => {
  const packages = [
    pkg("deb", "python3-requests", "2.28.1+dfsg-1", "var/lib/dpkg/status"),
    pkg("pypi", "requests", "2.28.1", "usr/lib/python3/dist-packages/requests-2.28.1.egg-info"),
    pkg("pypi", "flask", "3.0.0", "usr/local/lib/python3.11/site-packages/flask-3.0.0.dist-info/METADATA"),
    pkg("golang", "stdlib", "1.19.8", "usr/bin/docker-registry"),
  ];

  it("marks language packages whose file or directory an OS package installed", () => {
    const owned = assignOwners(packages, [
      {
        owner: { ecosystem: "deb", name: "python3-requests" },
        paths: ["usr/lib/python3/dist-packages/requests-2.28.1.egg-info"],
      },
      { owner: { ecosystem: "deb", name: "docker-registry" }, paths: ["usr/bin/docker-registry"] },
    ]);
    expect(owned[1]?.ownedBy).toEqual({
      ecosystem: "deb",
      name: "python3-requests",
      version: "2.28.1+dfsg-1",
    });
    // pip-installed packages are the user's own.
    expect(owned[2]?.ownedBy).toBeUndefined();
    // The owner must itself be installed in the final image.
    expect(owned[3]?.ownedBy).toBeUndefined();
    expect(owned).toHaveLength(4);
  });

  it("matches a file below an owned directory", () => {
    const owned = assignOwners(
      [
        pkg("deb", "python3-six", "1.16.0-4", "var/lib/dpkg/status"),
        pkg("pypi", "six", "1.16.0", "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"),
      ],
      [
        {
          owner: { ecosystem: "deb", name: "python3-six" },
          paths: ["usr/lib/python3/dist-packages/six-1.16.0.dist-info"],
        },
      ],
    );
    expect(owned[1]?.ownedBy?.name).toBe("python3-six");
  });

  it("does not climb to shared directories that every file list names", () => {
    const owned = assignOwners(
      [
        pkg("deb", "base-files", "12.4", "var/lib/dpkg/status"),
        pkg("pypi", "six", "1.16.0", "usr/local/lib/python3.11/dist-packages/six-1.16.0.egg-info/PKG-INFO"),
      ],
      [{ owner: { ecosystem: "deb", name: "base-files" }, paths: ["usr", "usr/local", "usr/local/lib"] }],
    );
    expect(owned[1]?.ownedBy).toBeUndefined();
  });

  it("changes nothing without file lists", () => {
    expect(assignOwners(packages, [])).toBe(packages);
  });
});
