import { defaultProvider } from "@aws-sdk/credential-provider-node";
import {
  type AwsIdentity,
  type ExternalAccountConfig,
  externalAccountConfig,
  parseWorkloadIdentitySettings,
  WorkloadIdentityConfigError,
} from "../lib/gcp/workload-identity.js";
import { optionalEnv, requiredEnv } from "./aws-env.js";

/**
 * GCP_WIF_CONFIG: our workload identity settings as JSON (WorkloadIdentitySettings, not gcloud's
 * external_account file, whose credential_source would make the library read env vars and IMDS), e.g.
 * {"projectNumber":"123456789012","poolId":"aws-pool","providerId":"portcullis",
 *  "serviceAccountEmail":"gar-reader@my-project.iam.gserviceaccount.com"}.
 * The function's own role (the SDK's default chain) in AWS_REGION signs what Google's STS verifies.
 */
export function workloadIdentityFromEnv(): { config: ExternalAccountConfig; aws: AwsIdentity } | undefined {
  const json = optionalEnv("GCP_WIF_CONFIG");
  if (!json) return undefined;
  let settings: unknown;
  try {
    settings = JSON.parse(json);
  } catch (err) {
    throw new WorkloadIdentityConfigError("GCP_WIF_CONFIG is not JSON", { cause: err });
  }
  return {
    config: externalAccountConfig(parseWorkloadIdentitySettings(settings, "GCP_WIF_CONFIG")),
    aws: { region: requiredEnv("AWS_REGION"), credentials: defaultProvider() },
  };
}
