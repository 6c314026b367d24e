// Preloaded into the measured process (node --import): writes its peak RSS in bytes on exit.
import { writeFileSync } from "node:fs";

const file = process.env.PORTCULLIS_MAX_RSS_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
