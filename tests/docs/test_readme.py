# Copyright (c) OpenMMLab. All rights reserved.
"""The README and docs/ pages: what MoTE is, the Quick start's two
commands and the zoo come first; every relative link and picture of every
page resolves."""
import glob
import os.path as osp
import re

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_readme_order_and_quick_start():
    text = open(osp.join(REPO, 'README.md')).read()
    heads = re.findall(r'(?m)^## (.+)$', text)
    assert heads[:3] == ['Quick start', 'Model zoo', 'Commands']
    assert 'Where MoTE lives' in heads
    quick = text.split('## Quick start', 1)[1].split('\n## ', 1)[0]
    first_block = quick.split('```bash\n', 1)[1].split('```', 1)[0]
    assert [ln for ln in first_block.splitlines()
            if ln and not ln.startswith('#')] == [
        'bash tools/quickstart.sh demo', 'bash tools/quickstart.sh test']
    assert len(text.splitlines()) <= 215  # about 200


def test_relative_links_resolve():
    pages = [osp.join(REPO, 'README.md'),
             osp.join(REPO, 'configs', 'mote', 'README.md'),
             *glob.glob(osp.join(REPO, 'docs', '*.md'))]
    for page in pages:
        text = open(page).read()
        targets = re.findall(r'\]\(([^)\s#]+)[^)]*\)', text) + \
            re.findall(r'<img src="([^"]+)"', text)
        for target in targets:
            if re.match(r'[a-z]+://', target):
                continue
            path = (osp.join(REPO, target.lstrip('/'))
                    if target.startswith('/') else
                    osp.join(osp.dirname(page), target))
            assert osp.exists(path), f'{page}: {target}'
