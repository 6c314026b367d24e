import { describe, expect, it } from "vitest";
import { parseAssignments, parseCreatedBy, parseHistory } from "../../../lib/checks/image-config/history.js";
import type { LayerRef } from "../../../lib/inventory/package.js";

const layer = (index: number): LayerRef => ({
  index,
  diffID: `sha256:${String(index).repeat(64)}`,
  digest: `sha256:${"f".repeat(63)}${index}`,
});

describe("parseCreatedBy", () => {
  it.each([
    ["/bin/sh -c #(nop)  ENV DB_PASSWORD=x", "ENV", "DB_PASSWORD=x"],
    [
      "/bin/sh -c #(nop) ADD file:ebe009f86035c175ba244badd298a2582914415cf62783d510eab3a311a5d4e1 in / ",
      "ADD",
      "file:ebe009f86035c175ba244badd298a2582914415cf62783d510eab3a311a5d4e1 in /",
    ],
    ['/bin/sh -c #(nop)  CMD ["/bin/bash"]', "CMD", '["/bin/bash"]'],
    [
      "/bin/sh -c apt-get update && apt-get install -y curl",
      "RUN",
      "apt-get update && apt-get install -y curl",
    ],
    ["RUN /bin/sh -c apk add --no-cache curl # buildkit", "RUN", "apk add --no-cache curl"],
    [
      "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit",
      "ADD",
      "alpine-minirootfs-3.20.3-x86_64.tar.gz /",
    ],
    ["ENV A=1 B=2", "ENV", "A=1 B=2"],
    [
      "# debian.sh --arch 'amd64' out/ 'bookworm' '@1728259200'",
      "",
      "# debian.sh --arch 'amd64' out/ 'bookworm' '@1728259200'",
    ],
  ])("%s", (createdBy, instruction, args) => {
    expect(parseCreatedBy(createdBy)).toEqual({ instruction, args, buildArgs: [] });
  });

  it("splits BuildKit build args from the command", () => {
    expect(parseCreatedBy("RUN |2 NPM_TOKEN=abc def GITHUB_TOKEN=x=y /bin/sh -c npm ci # buildkit")).toEqual({
      instruction: "RUN",
      args: "npm ci",
      buildArgs: [
        { name: "NPM_TOKEN", value: "abc def" },
        { name: "GITHUB_TOKEN", value: "x=y" },
      ],
    });
  });

  it("splits the classic builder's |N build args", () => {
    expect(parseCreatedBy("|1 HTTP_PROXY=http://proxy:3128 /bin/sh -c apt-get update")).toEqual({
      instruction: "RUN",
      args: "apt-get update",
      buildArgs: [{ name: "HTTP_PROXY", value: "http://proxy:3128" }],
    });
  });

  it("keeps a build arg with an empty value", () => {
    expect(parseCreatedBy("RUN |1 TOKEN= /bin/sh -c make # buildkit").buildArgs).toEqual([
      { name: "TOKEN", value: "" },
    ]);
  });
});

describe("parseAssignments", () => {
  it.each([
    [
      "A=1 B=2",
      [
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ],
    ],
    ["JAVA_OPTS=-Xmx1g -Xms1g", [{ name: "JAVA_OPTS", value: "-Xmx1g -Xms1g" }]],
    [
      'MSG="hello world" X=',
      [
        { name: "MSG", value: "hello world" },
        { name: "X", value: "" },
      ],
    ],
    [
      "org.opencontainers.image.ref.name=ubuntu",
      [{ name: "org.opencontainers.image.ref.name", value: "ubuntu" }],
    ],
    ["DB_PASSWORD secret value", [{ name: "DB_PASSWORD", value: "secret value" }]],
    ["RELEASE", [{ name: "RELEASE", value: "" }]],
    ["", []],
  ])("%j", (args, expected) => {
    expect(parseAssignments(args)).toEqual(expected);
  });
});

describe("parseHistory", () => {
  const history = [
    { created_by: "ADD rootfs.tar.xz / # buildkit" },
    { created_by: 'CMD ["sh"]', empty_layer: true },
    { created_by: "RUN /bin/sh -c make # buildkit" },
    { created_by: "USER 1000", empty_layer: true },
  ];

  it("maps layer-creating entries to the layers in order; empty_layer entries get none", () => {
    const steps = parseHistory(history, [layer(0), layer(1)]);
    expect(steps.map((step) => step.layer?.index)).toEqual([0, undefined, 1, undefined]);
    expect(steps.map((step) => step.emptyLayer)).toEqual([false, true, false, true]);
    expect(steps[2]).toMatchObject({
      index: 2,
      instruction: "RUN",
      args: "make",
      createdBy: history[2]?.created_by,
    });
  });

  it("attributes no layer when history and layers disagree", () => {
    const steps = parseHistory(history, [layer(0), layer(1), layer(2)]);
    expect(steps.every((step) => step.layer === undefined)).toBe(true);
  });

  it("accepts a config without history", () => {
    expect(parseHistory(undefined, [layer(0)])).toEqual([]);
  });
});
