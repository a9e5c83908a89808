/**
 * The OU tree of an organization and how people name its nodes: by id (`ou-ab12-cdef3456`, `r-ab12`), by
 * path (`Prod/Payments`, with or without the root's name in front) or by name (`Payments`, when only one OU
 * has it). Matching ignores case. Pure.
 */

export interface OuNode {
  id: string;
  name: string;
  /** Names from the root, joined by `/`: `Root/Prod/Payments`. */
  path: string;
  parentId?: string;
  depth: number;
}

export interface OuTree {
  root: OuNode;
  /** Every node, the root first, parents before their children. */
  nodes: OuNode[];
}

export type OuMatch = { ok: true; node: OuNode } | { ok: false; error: string };

const OU_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;

function withoutRoot(tree: OuTree, path: string): string {
  return path === tree.root.path ? path : path.slice(tree.root.path.length + 1);
}

/** The node one reference names, or why none does. */
export function matchOu(tree: OuTree, reference: string): OuMatch {
  const ref = reference.trim();
  if (OU_ID.test(ref)) {
    const node = tree.nodes.find((n) => n.id === ref);
    return node ? { ok: true, node } : { ok: false, error: `OU ${ref} is not in the organization.` };
  }
  const wanted = ref.toLowerCase().replace(/\/+$/, "");
  const byPath = tree.nodes.filter(
    (n) => n.path.toLowerCase() === wanted || withoutRoot(tree, n.path).toLowerCase() === wanted,
  );
  const byName = ref.includes("/") ? [] : tree.nodes.filter((n) => n.name.toLowerCase() === wanted);
  const candidates = byPath.length > 0 ? byPath : byName;
  const [first, second] = candidates;
  if (first && !second) return { ok: true, node: first };
  if (first && second) {
    const paths = candidates.map((n) => `${withoutRoot(tree, n.path)} (${n.id})`).join(", ");
    return { ok: false, error: `OU "${ref}" is ambiguous: ${paths}. Give its path or its id.` };
  }
  return { ok: false, error: `OU "${ref}" is not in the organization (give an OU id, name or path).` };
}

/** The node and every node below it, parents first. */
export function subtree(tree: OuTree, top: OuNode): OuNode[] {
  const children = new Map<string, OuNode[]>();
  for (const node of tree.nodes) {
    if (node.parentId === undefined) continue;
    const list = children.get(node.parentId) ?? [];
    list.push(node);
    children.set(node.parentId, list);
  }
  const out: OuNode[] = [];
  const queue = [top];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    out.push(node);
    queue.push(...(children.get(node.id) ?? []));
  }
  return out;
}

/** Every node under the referenced OUs (the whole tree when there are none), each once; or the first error. */
export function resolveOuReferences(
  tree: OuTree,
  references: readonly string[],
): { ok: true; nodes: OuNode[] } | { ok: false; error: string } {
  if (references.length === 0) return { ok: true, nodes: [...tree.nodes] };
  const seen = new Map<string, OuNode>();
  for (const reference of references) {
    const match = matchOu(tree, reference);
    if (!match.ok) return { ok: false, error: `organization.includeOus: ${match.error}` };
    for (const node of subtree(tree, match.node)) seen.set(node.id, node);
  }
  return { ok: true, nodes: [...seen.values()] };
}
