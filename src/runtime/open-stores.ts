/**
 * The stores this process opened (store.ts), kept apart so src/cli can close them after any
 * command without loading a store's code when no command used one (`--help`).
 */

/** What a closable store is here. */
interface Closable {
  close(): Promise<void>;
}

/** Open stores by location. */
export const openStores = new Map<string, Promise<Closable>>();

/** Closes every store opened (their connections; a lock still held goes with them). */
export async function closeStores(): Promise<void> {
  const all = [...openStores.values()];
  openStores.clear();
  // A store out of reach (a partition) does not keep the process from exiting: 5 s at most.
  await Promise.race([
    Promise.all(all.map((p) => p.then((s) => s.close()).catch(() => undefined))),
    new Promise((r) => setTimeout(r, 5_000).unref()),
  ]);
}
