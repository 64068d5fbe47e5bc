/**
 * Variable lookup for the shell-word expander. Names are case-sensitive (Linux semantics;
 * BuildKit folds case only on Windows, which we do not target).
 */
export type EnvLookup = { get(name: string): string | undefined; keys(): Iterable<string> };

/**
 * Build a lookup from `KEY=VALUE` entries as BuildKit's EnvsFromSlice does: split at the first
 * `=`, an entry without `=` sets KEY to the empty string, and a later entry for a key wins.
 */
export function envFromList(list: readonly string[]): EnvLookup {
  const map = new Map<string, string>();
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq < 0) map.set(entry, '');
    else map.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return envFromMap(map);
}

/** Lookup over a plain record (e.g. JSON test data or a build-arg table). */
export function envFromRecord(record: Readonly<Record<string, string>>): EnvLookup {
  return envFromMap(new Map(Object.entries(record)));
}

export function envFromMap(map: ReadonlyMap<string, string>): EnvLookup {
  return { get: (name) => map.get(name), keys: () => map.keys() };
}
