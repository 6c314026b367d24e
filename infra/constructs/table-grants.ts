import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";

/**
 * What FindingsStore.markDeleted does, and nothing more: flag the Image item, read the image's own
 * items (base table, never an index or a Scan) and write them back resolved, and adjust the counts.
 */
export function grantMarkDeleted(table: ITable, grantee: IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      sid: "MarkImagesDeleted",
      actions: [
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
      ],
      resources: [table.tableArn],
    }),
  );
  table.encryptionKey?.grant(grantee, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey");
}
