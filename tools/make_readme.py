"""Write README.md from nbs/index.ipynb (what `nbdev_readme` does with Quarto, which we may not have).

Usage: python tools/make_readme.py           # write README.md
       python tools/make_readme.py --check   # exit 1 if README.md is out of date
"""
import json, re, sys, difflib
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def doc_url() -> str:
    "The docs site's base URL, from settings.ini (doc_host + doc_baseurl)."
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini', encoding='utf-8')
    d = cfg['DEFAULT']
    return d['doc_host'].rstrip('/') + d['doc_baseurl'].rstrip('/')

def _src(cell) -> str:
    return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def _outputs(cell) -> list[str]:
    outs = []
    for o in cell.get('outputs', []):
        if o['output_type'] == 'stream': outs.append(''.join(o['text']))
        elif 'text/plain' in o.get('data', {}) and 'image/png' not in o['data']:
            outs.append(''.join(o['data']['text/plain']))
    return outs

def render(nb: dict, base: str) -> str:
    "Markdown for the notebook: markdown cells as they are, visible code cells with their text outputs."
    parts = []
    for cell in nb['cells']:
        src = _src(cell).strip()
        if cell['cell_type'] == 'markdown':
            # links to chapters go to their pages on the site (nbdev drops the number prefix)
            src = re.sub(r'\]\(\d+[a-zA-Z0-9]*_([\w-]+)\.ipynb\)', rf']({base}/\1.html)', src)
            # pictures live in nbs/images/, relative to the notebook
            parts.append(re.sub(r'\]\((images/[^)\s]+)\)', r'](nbs/\1)', src))
        elif cell['cell_type'] == 'code':
            lines = src.splitlines()
            if any(re.match(r'#\|\s*(hide|exec_doc|eval:\s*false)', l) for l in lines[:3]): continue
            code = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
            if code: parts.append(f'```python\n{code}\n```')
            parts += [f'```\n{o.rstrip()}\n```' for o in _outputs(cell) if o.strip()]
    body = '\n\n'.join(parts) + '\n'
    return '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n' + body

def main(argv):
    nb = json.loads((ROOT/'nbs'/'index.ipynb').read_text(encoding='utf-8'))
    text = render(nb, doc_url())
    readme = ROOT/'README.md'
    if '--check' in argv:
        old = readme.read_text(encoding='utf-8') if readme.exists() else ''
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), 'README.md', 'from nbs/index.ipynb'))
            print('README.md is out of date: run `python tools/make_readme.py`.')
            return 1
        print('README.md agrees with nbs/index.ipynb.')
        return 0
    readme.write_text(text, encoding='utf-8')
    print(f'Wrote {readme.relative_to(ROOT)}')
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
