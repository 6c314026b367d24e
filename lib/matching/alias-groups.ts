/**
 * Groups advisory ids that name the same flaw: two advisories belong together when one lists the
 * other (or a shared id) among its aliases. Union-find over the ids; groups come out sorted.
 */
export function groupByAliases(
  entries: ReadonlyArray<{ id: string; aliases: readonly string[] }>,
): string[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    let node = x;
    while (node !== root) {
      const next = parent.get(node) as string;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    // The smaller id becomes the root, so groups come out the same whatever the input order.
    const [low, high] = ra < rb ? [ra, rb] : [rb, ra];
    parent.set(high, low);
  };
  for (const { id, aliases } of entries) {
    for (const name of [id, ...aliases]) if (!parent.has(name)) parent.set(name, name);
    for (const alias of aliases) union(id, alias);
  }
  const groups = new Map<string, Set<string>>();
  for (const { id } of entries) {
    const root = find(id);
    const group = groups.get(root) ?? new Set<string>();
    group.add(id);
    groups.set(root, group);
  }
  return [...groups.values()].map((g) => [...g].sort());
}
