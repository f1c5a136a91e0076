#!/usr/bin/env python3
"""Import cycles among the project's TypeScript modules (src/, dissector/).
Counts every relative import, type-only ones too. Exit 1 when there is a cycle."""
import os, re, sys
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = re.compile(r"""(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}/[^'"]+)['"]""", re.S)
graph = {}
for top in ('src', 'dissector'):
    for d, _, fs in os.walk(os.path.join(root, top)):
        for f in fs:
            if not f.endswith('.ts'): continue
            p = os.path.normpath(os.path.join(d, f))
            deps = set()
            for m in spec.finditer(open(p).read()):
                t = os.path.normpath(os.path.join(d, m.group(1)))
                t = re.sub(r'\.js$', '.ts', t)
                if os.path.exists(t): deps.add(t)
            graph[p] = deps
cycles = []
state = {}
stack = []
def dfs(n):
    state[n] = 1; stack.append(n)
    for m in sorted(graph.get(n, ())):
        if state.get(m) == 1:
            cycles.append(stack[stack.index(m):] + [m])
        elif m not in state:
            dfs(m)
    stack.pop(); state[n] = 2
for n in sorted(graph):
    if n not in state: dfs(n)
for c in cycles:
    print(' -> '.join(os.path.relpath(x, root) for x in c))
print(f'{len(graph)} modules, {len(cycles)} cycle(s)')
sys.exit(1 if cycles else 0)
