import { parseReference } from "../image/reference.js";
import type { ScanReport } from "./scan-report.js";

const ECR_REGISTRY = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** OCI architecture names as ASFF spells them (its only valid values). */
const ECR_ARCHITECTURE: Record<string, string> = { amd64: "x86_64", arm64: "arm64", "386": "i386" };

/** Where an image reference points into ECR: account, region, repository, tag. */
export interface EcrImage {
  registryId: string;
  region: string;
  partition: "aws" | "aws-cn";
  repository: string;
  tag?: string;
}

export function ecrImage(name: string): EcrImage | undefined {
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(name.startsWith("docker://") ? name.slice("docker://".length) : name);
  } catch {
    return undefined;
  }
  const match = ECR_REGISTRY.exec(ref.registry);
  if (!match) return undefined;
  return {
    registryId: match[1] as string,
    region: match[2] as string,
    partition: match[3] ? "aws-cn" : "aws",
    repository: ref.repository,
    ...(ref.tag ? { tag: ref.tag } : {}),
  };
}

/**
 * The ASFF resource for the scanned image: an AwsEcrContainerImage (with the ARN Amazon Inspector
 * uses for image findings) when it came from ECR, else a Container resource named by the reference.
 */
export function asffResource(report: ScanReport, partition: string, region: string): Record<string, unknown> {
  const { artifact } = report;
  const ecr = ecrImage(artifact.name);
  if (ecr) {
    return {
      Type: "AwsEcrContainerImage",
      Id: `arn:${ecr.partition}:ecr:${ecr.region}:${ecr.registryId}:repository/${ecr.repository}/${artifact.digest}`,
      Partition: ecr.partition,
      Region: ecr.region,
      Details: {
        AwsEcrContainerImage: {
          RegistryId: ecr.registryId,
          RepositoryName: ecr.repository,
          ImageDigest: artifact.digest,
          ...(ecr.tag ? { ImageTags: [ecr.tag] } : {}),
          ...(ECR_ARCHITECTURE[artifact.platform.architecture]
            ? { Architecture: ECR_ARCHITECTURE[artifact.platform.architecture] }
            : {}),
        },
      },
    };
  }
  return {
    Type: "Container",
    Id: artifact.name,
    Partition: partition,
    Region: region,
    Details: { Container: { ImageName: artifact.name, ImageId: artifact.digest } },
  };
}
