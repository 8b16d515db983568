/**
 * Keys are data. Records keyed by names from the config (services, stages, variables, secrets)
 * are plain objects that journals, snapshots and `{ ...spread }` copies turn back into objects
 * with Object.prototype, so `record[name]` for a service called `toString` or `constructor`
 * finds a function that was never set. Read them with {@link own}; build local dictionaries with
 * {@link dataRecord} (or a Map where nothing serialises them).
 */

/** The value `record` holds under `key` itself (never one inherited from its prototype). */
export function own<V>(
  record: Readonly<Record<string, V>> | undefined,
  key: string,
): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An empty record without a prototype: every key is data, none is inherited. */
export function dataRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}
