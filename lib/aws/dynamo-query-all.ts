import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";

/** Every item a Query matches, following LastEvaluatedKey; `pageSize` bounds each request. */
export async function queryAll(
  doc: Pick<DynamoDBDocumentClient, "send">,
  tableName: string,
  input: Omit<QueryCommandInput, "TableName">,
  pageSize?: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({
        ...input,
        TableName: tableName,
        ExclusiveStartKey: start,
        ...(pageSize ? { Limit: pageSize } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
