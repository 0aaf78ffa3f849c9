// The browser entry ('.') must not reach a node: module through any import, generated code
// included; only './node' may. Walks the import graph from each entry file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function graph(entry: string): { files: string[]; external: string[] } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) external.add(spec);
      else visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return { files: [...files], external: [...external] };
}

describe('package entries', () => {
  it('the browser entry imports nothing outside the package (no node: modules, no dependencies)', () => {
    const { files, external } = graph(path.join(import.meta.dirname, 'index.ts'));
    expect(files.length).toBeGreaterThan(10);
    expect(files.some((f) => f.includes(`${path.sep}node${path.sep}`))).toBe(false);
    expect(external).toEqual([]);
  });

  it('the node entry is where node: modules are used', () => {
    expect(graph(path.join(import.meta.dirname, 'node', 'index.ts')).external.sort()).toEqual(['node:fs', 'node:fs/promises', 'node:path']);
  });
});
