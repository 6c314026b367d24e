/**
 * Builds UpdateItem expressions with placeholder names for every attribute, so no attribute name
 * can collide with DynamoDB's reserved words (status, type, region, counts ...).
 */
export interface UpdateParts {
  set?: Record<string, unknown>;
  /** SET a = if_not_exists(a, value): written once, on the first update. */
  setIfMissing?: Record<string, unknown>;
  add?: Record<string, number | Set<string>>;
  remove?: string[];
}

export interface UpdateExpression {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export function buildUpdate(parts: UpdateParts): UpdateExpression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  let n = 0;
  const name = (attribute: string) => {
    const key = `#a${n++}`;
    names[key] = attribute;
    return key;
  };
  const value = (v: unknown) => {
    const key = `:v${n++}`;
    values[key] = v;
    return key;
  };
  const sets: string[] = [];
  for (const [attribute, v] of Object.entries(parts.set ?? {})) {
    if (v !== undefined) sets.push(`${name(attribute)} = ${value(v)}`);
  }
  for (const [attribute, v] of Object.entries(parts.setIfMissing ?? {})) {
    if (v === undefined) continue;
    const a = name(attribute);
    sets.push(`${a} = if_not_exists(${a}, ${value(v)})`);
  }
  const adds = Object.entries(parts.add ?? {}).map(([attribute, v]) => `${name(attribute)} ${value(v)}`);
  const removes = (parts.remove ?? []).map(name);
  const clauses = [
    sets.length > 0 ? `SET ${sets.join(", ")}` : "",
    adds.length > 0 ? `ADD ${adds.join(", ")}` : "",
    removes.length > 0 ? `REMOVE ${removes.join(", ")}` : "",
  ].filter(Boolean);
  const result: UpdateExpression = { UpdateExpression: clauses.join(" "), ExpressionAttributeNames: names };
  if (Object.keys(values).length > 0) result.ExpressionAttributeValues = values;
  return result;
}
