import type { RpmHeader } from "./rpm-header.js";
import { RpmTag } from "./rpm-header.js";

/**
 * The files a package installed, from its header: rpm >= 4 stores them compressed as BASENAMES
 * with DIRINDEXES into DIRNAMES; older headers have OLDFILENAMES. Paths lose their leading slash.
 */
export function rpmHeaderFiles(header: RpmHeader): string[] {
  const basenames = header.stringArray(RpmTag.BASENAMES);
  if (basenames) {
    const dirnames = header.stringArray(RpmTag.DIRNAMES) ?? [];
    const indexes = header.int32Array(RpmTag.DIRINDEXES) ?? [];
    const files: string[] = [];
    for (let i = 0; i < basenames.length; i++) {
      const dir = dirnames[indexes[i] ?? -1];
      if (dir !== undefined) files.push(`${dir}${basenames[i]}`.replace(/^\/+/, ""));
    }
    return files;
  }
  return (header.stringArray(RpmTag.OLDFILENAMES) ?? []).map((f) => f.replace(/^\/+/, ""));
}
