"""Check what a learner meets when opening each chapter, from the stored notebooks: the lesson comes first.

For every numbered notebook (chapters and appendices, nbs/[0-9][0-9]_*.ipynb) it prints the code a learner
sees in JupyterLab (lines of code cells not collapsed with `jupyter.source_hidden`; `#| hide` hides a cell on
the site only) and the file size, and fails when:
- a notebook shows more than 450 lines of code (the budget of a chapter), or stores more than 400 kB;
- a notebook stores ipywidgets state or a widget view (a static site cannot run a widget, and Quarto then
  loads require.js and the widget manager from CDNs);
- a reference solution (a cell that calls `assert_solution`) stores an output, or a check cell
  (`check_x(x)`) stores anything but "not attempted yet" (an answer given away, or a failed check);
- an exercise has a check cell but no reference solution, or the other way round;
- a cell that draws a figure has no alt text (`#| fig-alt: "..."`, which both renders turn into the
  image's alt attribute for readers who cannot see it);
- a cell mixes top-level imports with other code: nbdev's docs processing runs every cell that imports
  (to render `show_doc`) out of its context, so such a cell breaks the docs render (keep imports in the
  notebook's import cells).
Usage: python tools/check_notebooks.py [--budget 450] [--self-test]
"""
import argparse, ast, copy, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK_CELL = re.compile(r'^\s*(check_\w+)\((\w+)\)\s*;?\s*$')
SOLUTION = re.compile(r'assert_solution\(\s*(check_\w+)\s*,')

def visible_lines(cells) -> int:
    "Lines of code a learner sees in JupyterLab: code cells whose input is not collapsed."
    return sum(''.join(c['source']).count('\n') + 1 for c in cells
               if c['cell_type'] == 'code' and not c.get('metadata', {}).get('jupyter', {}).get('source_hidden'))

def out_text(c) -> str:
    return ''.join(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) for o in c.get('outputs', []))

def mixes_imports(src: str) -> bool:
    "Does a (non-exported) cell hold top-level imports and other code? nbdev's docs processing would run it alone."
    if set(re.findall(r'^#\|\s*(\w+)', src, re.M)) & {'export', 'exports', 'exporti', 'exec_doc'}: return False
    if re.search(r'^#\|\s*eval:\s*false', src, re.M): return False
    try: trees = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))).body
    except SyntaxError: return False
    imps = [t for t in trees if isinstance(t, (ast.Import, ast.ImportFrom))]
    return bool(imps) and len(imps) < len(trees)

def problems(nb: dict, size: int, budget: int) -> list[str]:
    "What is wrong with one stored notebook."
    cells, found = nb['cells'], []
    no_alt = [i for i, c in enumerate(cells) if c['cell_type'] == 'code' and any('image/png' in o.get('data', {}) for o in c.get('outputs', []))
              and not re.search(r'^#\|\s*fig-alt:\s*\S', ''.join(c['source']), re.M)]
    if no_alt: found.append(f'cells {no_alt[:5]} draw a figure without alt text: add `#| fig-alt: "what the figure shows"`')
    mixed = [i for i, c in enumerate(cells) if c['cell_type'] == 'code' and mixes_imports(''.join(c['source']))]
    if mixed: found.append(f'cells {mixed[:5]} mix imports with other code: nbdev\'s docs processing runs them out of context (move the imports to the import cell)')
    vis = visible_lines(cells)
    if vis > budget: found.append(f'shows {vis} lines of code in JupyterLab (budget {budget}): collapse or move what is not the lesson')
    if size > 400 * 1024: found.append(f'stores {size // 1024} kB (limit 400 kB)')
    if 'widgets' in nb.get('metadata', {}): found.append('stores ipywidgets state (notebook metadata "widgets")')
    views = [i for i, c in enumerate(cells) for o in c.get('outputs', []) if any('widget' in k for k in o.get('data', {}))]
    if views: found.append(f'stores widget views in cells {views[:5]}')
    checks, sols = {}, {}
    for i, c in enumerate(cells):
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source'])
        if m := CHECK_CELL.match(src): checks.setdefault(m.group(1), []).append(i)
        if '#| hide' not in src:        # (a hidden test cell may call assert_solution on examples)
            for name in SOLUTION.findall(src): sols.setdefault(name, []).append(i)
    for name, idx in checks.items():
        for i in idx:
            t = out_text(cells[i])
            if 'not attempted yet' not in t or '✔' in t or '✘' in t:
                found.append(f'check cell {i} ({name}) stores {t.strip()[:80]!r} instead of "not attempted yet"')
    for name, idx in sols.items():
        for i in idx:
            if cells[i].get('outputs'): found.append(f'reference solution cell {i} ({name}) stores an output: it gives the answer away')
            if not cells[i].get('metadata', {}).get('jupyter', {}).get('source_hidden'): found.append(f'reference solution cell {i} ({name}) is not collapsed')
    for name in sorted(set(checks) - set(sols)): found.append(f'{name} has a check cell but no reference solution (assert_solution)')
    for name in sorted(set(sols) - set(checks)): found.append(f'{name} has a reference solution but no check cell for the learner')
    return found

def self_test() -> None:
    "Plant one fault of each kind in a small clean notebook and make sure each is reported."
    code = lambda src, outputs=(), hidden=False: {'cell_type': 'code', 'metadata': {'jupyter': {'source_hidden': True}} if hidden else {},
                                                   'source': src, 'outputs': list(outputs), 'execution_count': None}
    said = lambda t: {'output_type': 'execute_result', 'data': {'text/plain': t}, 'metadata': {}, 'execution_count': None}
    nb = {'metadata': {}, 'cells': [code('def aa(x): ...'), code('check_aa(aa)', [said('… not attempted yet: replace the `...`')]),
                                    code('#| code-fold: true\nassert_solution(check_aa, aa_solution)', hidden=True)]}
    assert not problems(nb, 0, 450), problems(nb, 0, 450)
    def planted(change, expect):
        bad = copy.deepcopy(nb); change(bad)
        got = problems(bad, 0, 450)
        assert any(expect in g for g in got), f'self-test: {expect!r} not reported, got {got}'
    planted(lambda b: b['cells'].append(code('x = 1\n' * 500)), 'lines of code in JupyterLab')
    planted(lambda b: b['metadata'].update(widgets={}), 'ipywidgets state')
    planted(lambda b: b['cells'].append(code('w', [{'output_type': 'display_data', 'metadata': {},
                                                    'data': {'application/vnd.jupyter.widget-view+json': {}, 'text/plain': 'w'}}])), 'widget views')
    planted(lambda b: b['cells'].extend([code('check_zz(zz)', [said('✔ correct: yes')]), code('assert_solution(check_zz, zz_solution)', hidden=True)]),
            'instead of "not attempted yet"')
    planted(lambda b: b['cells'].extend([code('check_zz(zz)', [said('… not attempted yet: ')]),
                                         code('assert_solution(check_zz, zz_solution)', [said('42')], hidden=True)]), 'stores an output')
    planted(lambda b: b['cells'].append(code('check_zz(zz)', [said('… not attempted yet: ')])), 'no reference solution')
    planted(lambda b: b['cells'].append(code('#| hide\nimport math\nassert math.pi > 3')), 'mix imports with other code')
    png = {'output_type': 'display_data', 'metadata': {}, 'data': {'image/png': 'iVBORw0KGgo=', 'text/plain': '<Figure>'}}
    planted(lambda b: b['cells'].append(code('plt.plot([1, 2]);', [png])), 'without alt text')
    print('self-test: every planted fault is reported')

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--budget', type=int, default=450, help='lines of code a chapter may show a learner (default 450)')
    ap.add_argument('--self-test', action='store_true', help='plant faults in a copy of a chapter and check each is found')
    a = ap.parse_args(argv)
    if a.self_test: self_test()
    bad = 0
    print(f'{"notebook":32} {"visible code lines":>18} {"kB":>5}')
    for p in sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb')):
        nb = json.loads(p.read_text())
        found = problems(nb, p.stat().st_size, a.budget)
        print(f'{p.name:32} {visible_lines(nb["cells"]):>18} {p.stat().st_size // 1024:>5}' + ('  FAIL' if found else ''))
        for f in found: print(f'    - {f}')
        bad += bool(found)
    print('every chapter within its budget, no answer stored' if not bad else f'{bad} notebook(s) fail')
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
