import type { MisconfigurationFinding } from "../types.js";
import { checkAddInsteadOfCopy, checkAddRemoteUrl } from "./add-instructions.js";
import { checkEnvSecrets } from "./env-secrets.js";
import { checkExposedPorts } from "./exposed-ports.js";
import { checkHealthcheck } from "./healthcheck.js";
import { parseHistory } from "./history.js";
import { checkHistorySecrets } from "./history-secrets.js";
import type { CheckContext, ImageConfigCheckInput } from "./input.js";
import { checkLabelSecrets } from "./label-secrets.js";
import { checkLatestTag } from "./latest-tag.js";
import { checkPackageCaches } from "./package-caches.js";
import { checkRootUser } from "./root-user.js";
import { checkSetuidFiles } from "./setuid-files.js";
import { checkSudoInstalled } from "./sudo-installed.js";
import { checkUpdateAlone } from "./update-alone.js";
import { checkWorldWritableDirs } from "./world-writable-dirs.js";

export type { FindSecrets, ImageConfigCheckInput } from "./input.js";

type ImageConfigCheck = (context: CheckContext) => MisconfigurationFinding | undefined;

/** In check-id order, so reports list findings the same way every run. */
const CHECKS: readonly ImageConfigCheck[] = [
  checkRootUser,
  checkExposedPorts,
  checkEnvSecrets,
  checkLabelSecrets,
  checkHistorySecrets,
  checkAddRemoteUrl,
  checkAddInsteadOfCopy,
  checkHealthcheck,
  checkLatestTag,
  checkSetuidFiles,
  checkWorldWritableDirs,
  checkPackageCaches,
  checkSudoInstalled,
  checkUpdateAlone,
];

/** Runs every image-configuration check; one finding per failed check. */
export function checkImageConfig(input: ImageConfigCheckInput): MisconfigurationFinding[] {
  const context: CheckContext = { ...input, history: parseHistory(input.config.history, input.layers) };
  return CHECKS.map((check) => check(context)).filter((finding) => finding !== undefined);
}
