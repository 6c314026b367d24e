import { describe, expect, it } from "vitest";
import { dpkgFilesAnalyzer } from "../../../lib/analyzers/dpkg/dpkg-files-analyzer.js";

describe("dpkg-files analyzer", () => {
  it("requires package file lists and distroless md5sums only", () => {
    expect(dpkgFilesAnalyzer.required("var/lib/dpkg/info/python3-requests.list", 100)).toBe(true);
    expect(dpkgFilesAnalyzer.required("var/lib/dpkg/info/libc6:amd64.list", 100)).toBe(true);
    expect(dpkgFilesAnalyzer.required("var/lib/dpkg/status.d/libssl3.md5sums", 100)).toBe(true);
    expect(dpkgFilesAnalyzer.required("var/lib/dpkg/info/libc6:amd64.md5sums", 100)).toBe(false);
    expect(dpkgFilesAnalyzer.required("var/lib/dpkg/info/sub/x.list", 100)).toBe(false);
    expect(dpkgFilesAnalyzer.required("var/lib/dpkg/status.d/libssl3", 100)).toBe(false);
  });

  it("reads a .list file (absolute paths, with the /. root entry)", () => {
    const list = [
      "/.",
      "/usr",
      "/usr/lib/python3/dist-packages",
      "/usr/lib/python3/dist-packages/requests-2.28.1.egg-info",
      "/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO",
      "",
    ].join("\n");
    const result = dpkgFilesAnalyzer.analyze({
      path: "var/lib/dpkg/info/python3-requests.list",
      bytes: Buffer.from(list),
    });
    expect(result.installedFiles).toEqual([
      {
        owner: { ecosystem: "deb", name: "python3-requests" },
        paths: [
          "usr",
          "usr/lib/python3/dist-packages",
          "usr/lib/python3/dist-packages/requests-2.28.1.egg-info",
          "usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO",
        ],
      },
    ]);
  });

  it("strips the architecture from multi-arch list names and reads md5sums", () => {
    const arch = dpkgFilesAnalyzer.analyze({
      path: "var/lib/dpkg/info/libc6:amd64.list",
      bytes: Buffer.from("/lib/x\n"),
    });
    expect(arch.installedFiles?.[0]?.owner.name).toBe("libc6");
    const md5 = dpkgFilesAnalyzer.analyze({
      path: "var/lib/dpkg/status.d/libssl3.md5sums",
      bytes: Buffer.from("0123456789abcdef0123456789abcdef  usr/lib/x86_64-linux-gnu/libssl.so.3\n"),
    });
    expect(md5.installedFiles).toEqual([
      { owner: { ecosystem: "deb", name: "libssl3" }, paths: ["usr/lib/x86_64-linux-gnu/libssl.so.3"] },
    ]);
  });
});
