import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { ImageConfig } from "../../lib/image/types.js";
import { type BuiltLayer, buildLayer } from "./oci-builder.js";

/** Credentials made fresh for each run: real formats, never real accounts. */
export interface PlantedSecrets {
  awsKeyId: string;
  awsSecret: string;
  privateKeyPem: string;
  /** The base64 body of the private key: what must never leave the scanner in clear. */
  privateKeyBody: string;
  dbPassword: string;
}

export interface RiskyImage {
  layers: BuiltLayer[];
  config: Partial<ImageConfig>;
  secrets: PlantedSecrets;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function randomFrom(alphabet: string, n: number): string {
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("");
}

/**
 * Three layers the way a careless Dockerfile makes them: a base with a setuid binary, apt lists
 * and a world-writable directory; an app layer with an .env holding AWS keys and a deploy key; a
 * last layer that deletes the deploy key (still readable from layer 1) and drops passwd's setuid
 * bit. The config runs as root, exposes SSH and has a password in ENV and in the history.
 */
export async function riskyImage(): Promise<RiskyImage> {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const secrets: PlantedSecrets = {
    awsKeyId: `AKIA${randomFrom(BASE32, 16)}`,
    awsSecret: randomFrom(BASE64, 40),
    privateKeyPem: privateKey,
    privateKeyBody: privateKey.split("\n")[5] ?? "",
    dbPassword: `${randomFrom(BASE64, 12)}9!x`,
  };
  const base = await buildLayer([
    {
      path: "etc/os-release",
      content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
    },
    { path: "usr/bin/passwd", content: "\u007fELF passwd", mode: 0o4755 },
    { path: "usr/bin/chfn", content: "\u007fELF chfn", mode: 0o4755 },
    { path: "tmp", type: "dir", mode: 0o1777 },
    {
      path: "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
      content: "x".repeat(2048),
    },
  ]);
  const app = await buildLayer([
    { path: "srv/uploads", type: "dir", mode: 0o777 },
    {
      path: "app/config/.env",
      content: `# production settings\nAWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=${secrets.awsKeyId}\nAWS_SECRET_ACCESS_KEY=${secrets.awsSecret}\n`,
    },
    { path: "app/deploy/id_rsa", content: secrets.privateKeyPem, mode: 0o600 },
    { path: "app/server.js", content: "require('http').createServer().listen(8080);\n" },
  ]);
  const cleanup = await buildLayer([
    { path: "app/deploy/.wh.id_rsa", content: "" },
    { path: "usr/bin/passwd", content: "\u007fELF passwd", mode: 0o755 },
  ]);
  const config: Partial<ImageConfig> = {
    config: {
      Env: ["PATH=/usr/local/bin:/usr/bin:/bin", `DB_PASSWORD=${secrets.dbPassword}`],
      ExposedPorts: { "22/tcp": {}, "8080/tcp": {} },
      Cmd: ["node", "/app/server.js"],
    },
    history: [
      {
        created: "2026-11-01T00:00:00Z",
        created_by:
          "/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 in / ",
      },
      { created: "2026-11-01T00:00:00Z", created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
      { created: "2026-11-02T00:00:00Z", created_by: "COPY . /app # buildkit" },
      {
        created: "2026-11-02T00:00:00Z",
        created_by: `ENV DB_PASSWORD=${secrets.dbPassword}`,
        empty_layer: true,
      },
      {
        created: "2026-11-02T00:00:00Z",
        created_by: "RUN /bin/sh -c rm /app/deploy/id_rsa && chmod u-s /usr/bin/passwd # buildkit",
      },
    ],
  };
  return { layers: [base, app, cleanup], config, secrets };
}

/** Every clear value planted in the image, for "never in any output" assertions. */
export function clearValues(secrets: PlantedSecrets): string[] {
  return [secrets.awsKeyId, secrets.awsSecret, secrets.privateKeyBody, secrets.dbPassword];
}
