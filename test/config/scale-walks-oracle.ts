/**
 * The graph and `extends` walks as they were before they became iterative (recursive, and
 * quadratic or cubic on long chains), kept verbatim as the oracle: on small random inputs the
 * new walks must give exactly what these gave — the same cycles in the same rotation, the same
 * layers, the same stable order, the same `extends` issues.
 */
type Services = Record<string, { dependsOn: readonly string[] }>;
type Envs = Record<string, { extends?: string | undefined }>;

/** Dependency cycles, as findCycles found them. */
export function oldFindCycles(services: Services): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    state.set(name, 'open');
    stack.push(name);
    for (const dep of services[name]?.dependsOn ?? []) {
      if (!Object.hasOwn(services, dep)) continue;
      if (state.get(dep) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const key = [...new Set(cycle)].sort().join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of Object.keys(services)) if (!state.has(name)) visit(name);
  return cycles;
}

/** The dependency layers, as dependencyLayers computed them. */
export function oldDependencyLayers(
  services: Services,
): Array<{ name: string; services: string[] }> {
  const layer = new Map<string, number>();
  const depth = (name: string, guard: Set<string>): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    if (guard.has(name)) return 0;
    guard.add(name);
    const deps = (services[name]?.dependsOn ?? []).filter((d) => Object.hasOwn(services, d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth(d, guard)));
    layer.set(name, value);
    return value;
  };
  const out: Array<{ name: string; services: string[] }> = [];
  for (const name of Object.keys(services)) {
    const l = depth(name, new Set());
    while (out.length <= l) out.push({ name: `layer-${out.length + 1}`, services: [] });
    out[l]!.services.push(name);
  }
  return out;
}

/** The stable topological order, as topoOrder computed it. */
export function oldTopoOrder(
  services: Services,
  stages: ReadonlyArray<{ services: readonly string[] }>,
): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  for (const stage of stages) {
    const pending = stage.services.filter((s) => !done.has(s));
    while (pending.length > 0) {
      let i = pending.findIndex((s) =>
        (services[s]?.dependsOn ?? []).every(
          (d) => done.has(d) || !Object.hasOwn(services, d) || !pending.includes(d),
        ),
      );
      if (i < 0) i = 0;
      const [next] = pending.splice(i, 1);
      done.add(next!);
      order.push(next!);
    }
  }
  return order;
}

/** The `extends` issues as [path, message], as checkEnvironments reported them. */
export function oldExtendsIssues(envs: Envs): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const reported = new Set<string>();
  for (const [name, env] of Object.entries(envs)) {
    if (env.extends !== undefined && !Object.hasOwn(envs, env.extends)) {
      out.push([
        `environments.${name}.extends`,
        `environment "${name}" extends unknown environment "${env.extends}"`,
      ]);
      continue;
    }
    const chain = [name];
    let cur = env.extends;
    while (cur !== undefined && Object.hasOwn(envs, cur)) {
      if (chain.includes(cur)) {
        const cycle = [...chain.slice(chain.indexOf(cur)), cur];
        const key = [...new Set(cycle)].sort().join('\0');
        if (!reported.has(key)) {
          reported.add(key);
          out.push([
            `environments.${cycle[0]!}.extends`,
            `environment extends cycle: ${cycle.join(' → ')}`,
          ]);
        }
        break;
      }
      chain.push(cur);
      cur = envs[cur]?.extends;
    }
  }
  return out;
}

/** The `extends` chain of `name`, as environmentChain computed it. */
export function oldEnvironmentChain(envs: Envs, name: string): string[] {
  const chain: string[] = [];
  let cur: string | undefined = name;
  while (cur !== undefined && Object.hasOwn(envs, cur) && !chain.includes(cur)) {
    chain.unshift(cur);
    cur = envs[cur]?.extends;
  }
  return chain;
}
