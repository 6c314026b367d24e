/** How a CVSS vector names its version, as CycloneDX rating methods and ASFF Cvss.Version spell it. */
export interface CvssMethod {
  cyclonedx: "CVSSv2" | "CVSSv3" | "CVSSv31" | "CVSSv4";
  version: "2.0" | "3.0" | "3.1" | "4.0";
}

/** The CVSS version of a vector string; v2 vectors have no prefix and start with "AV:". */
export function cvssMethod(vector: string): CvssMethod | undefined {
  if (vector.startsWith("CVSS:4.0/")) return { cyclonedx: "CVSSv4", version: "4.0" };
  if (vector.startsWith("CVSS:3.1/")) return { cyclonedx: "CVSSv31", version: "3.1" };
  if (vector.startsWith("CVSS:3.0/")) return { cyclonedx: "CVSSv3", version: "3.0" };
  if (/^\(?AV:[LAN]\/AC:[HML]\/Au:[MSN]/.test(vector)) return { cyclonedx: "CVSSv2", version: "2.0" };
  return undefined;
}
