import type { MisconfigurationFinding } from "../types.js";
import { capEvidence, summarize } from "./evidence.js";
import type { CheckContext } from "./input.js";

export const EXPOSED_PORTS_ID = "PCIMG-002";

/** Remote-administration, file-sharing, database and control-plane ports that should not be published. */
const SENSITIVE_PORTS = new Map<number, string>([
  [21, "FTP"],
  [22, "SSH"],
  [23, "Telnet"],
  [445, "SMB"],
  [3389, "RDP"],
  [5900, "VNC"],
  [5901, "VNC"],
  [1433, "Microsoft SQL Server"],
  [1521, "Oracle Database"],
  [3306, "MySQL"],
  [5432, "PostgreSQL"],
  [5984, "CouchDB"],
  [6379, "Redis"],
  [7000, "Cassandra"],
  [9042, "Cassandra"],
  [9200, "Elasticsearch"],
  [9300, "Elasticsearch transport"],
  [11211, "Memcached"],
  [27017, "MongoDB"],
  [2375, "Docker API (unencrypted)"],
  [2376, "Docker API"],
  [2379, "etcd"],
  [10250, "Kubelet API"],
]);

/** Cleartext remote logins and the unauthenticated Docker API hand over the host or the container. */
const CRITICAL_PORTS = new Set([23, 2375]);

export function checkExposedPorts({ config }: CheckContext): MisconfigurationFinding | undefined {
  const exposed = Object.keys(config.config?.ExposedPorts ?? {});
  const hits: Array<{ port: number; key: string; service: string }> = [];
  for (const key of exposed) {
    // Keys look like "22/tcp"; a bare "22" means tcp.
    const port = Number(key.split("/")[0]);
    const service = SENSITIVE_PORTS.get(port);
    if (service !== undefined) hits.push({ port, key, service });
  }
  if (hits.length === 0) return undefined;
  hits.sort((a, b) => a.port - b.port);
  const named = hits.map((hit) => `${hit.key} (${hit.service})`);
  return {
    id: EXPOSED_PORTS_ID,
    title: "Sensitive port exposed",
    severity: hits.some((hit) => CRITICAL_PORTS.has(hit.port)) ? "HIGH" : "MEDIUM",
    message: `The image exposes ${named.length === 1 ? "a sensitive port" : "sensitive ports"}: ${summarize(named)}.`,
    remediation:
      "Remove the EXPOSE instruction for remote-administration and database ports, do not run such services in the application container, and publish only the ports clients need.",
    evidence: capEvidence(named),
  };
}
