import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, importsOf, resolveRelative, ROOT, sourceFiles } from './import-graph.ts';

// The layering issue 16 asks for, checked on the sources themselves (ARCHITECTURE.md "Layout",
// STYLE.md 1 and 19): no import loop between the gateway's folders, no package importing a
// service, every service entry file only composing, and the gateway working no queue.

const GATEWAY = 'services/gateway/src';
const SERVICES = readdirSync(join(ROOT, 'services'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const PACKAGES = readdirSync(join(ROOT, 'packages'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
/** The workspace names of the services (`@medgrade/gateway`, …): what a package would import one by. */
const SERVICE_NAMES = new Set(SERVICES.flatMap((s) => {
  try {
    return [(JSON.parse(readFileSync(join(ROOT, 'services', s, 'package.json'), 'utf8')) as { name: string }).name];
  } catch {
    return []; // services/trainer is Python
  }
}));

/** The folder of a gateway file under src/ (`routes`, `ingest`, …; `(src)` for app.ts, main.ts, …). */
function gatewayFolder(file: string): string {
  const rest = file.slice(GATEWAY.length + 1);
  return rest.includes('/') ? rest.split('/')[0]! : '(src)';
}

/** Folder → folders its files import at run time (type-only imports cannot form a start-up loop). */
function gatewayFolderGraph(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(GATEWAY)) {
    for (const ref of importsOf(file)) {
      const target = ref.typeOnly ? undefined : resolveRelative(file, ref.specifier);
      if (!target?.startsWith(`${GATEWAY}/`)) continue;
      const [from, to] = [gatewayFolder(file), gatewayFolder(target)];
      if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return edges;
}

describe('architecture', () => {
  it('finds a loop in a graph that has one (the check below can fail)', () => {
    const graph = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(cycles(new Map([['a', new Set(['b'])], ['b', new Set<string>()]]))).toEqual([]);
  });

  it('has no import loop between the gateway folders', () => {
    const graph = gatewayFolderGraph();
    expect([...graph.keys()]).toContain('routes');
    expect(cycles(graph)).toEqual([]);
  });

  it('has no package importing a service, by path or by name', () => {
    const offending: string[] = [];
    for (const pkg of PACKAGES) {
      for (const file of sourceFiles(`packages/${pkg}`)) {
        for (const ref of importsOf(file)) {
          const target = resolveRelative(file, ref.specifier);
          const name = ref.specifier.split('/').slice(0, 2).join('/');
          if (target?.startsWith('services/') || SERVICE_NAMES.has(name)) offending.push(`${file} → ${ref.specifier}`);
        }
      }
    }
    expect(SERVICE_NAMES).toContain('@medgrade/gateway');
    expect(offending).toEqual([]);
  });

  it('keeps every service entry file under 60 lines', () => {
    const entries = SERVICES.filter((s) => existsSync(join(ROOT, 'services', s, 'src', 'main.ts')));
    expect(entries).toContain('gateway');
    const long = entries.map((s) => [s, readFileSync(join(ROOT, 'services', s, 'src', 'main.ts'), 'utf8').trimEnd().split('\n').length] as const).filter(([, lines]) => lines >= 60);
    expect(long).toEqual([]);
  });

  it('starts no queue worker in the gateway (it enqueues; workers work queues)', () => {
    const starters: string[] = [];
    for (const file of sourceFiles(GATEWAY)) {
      for (const ref of importsOf(file)) {
        if (ref.typeOnly) continue;
        if (ref.specifier === 'bullmq' || ref.names.some((n) => /^start\w*Worker/.test(n) || n === 'Worker')) starters.push(`${file}: ${ref.specifier} ${ref.names.join(', ')}`);
      }
    }
    expect(starters).toEqual([]);
  });
});
