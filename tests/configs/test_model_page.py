# Copyright (c) OpenMMLab. All rights reserved.
"""configs/mote/README.md (the model page) agrees with metafile.yml: every
model's config, checkpoint and results appear in its row, and every link
of the page points at a file of the repository."""
import os.path as osp
import re

import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PAGE = osp.join(REPO, 'configs', 'mote', 'README.md')


def rows(text):
    return [ln for ln in text.splitlines() if ln.startswith('| ')]


def test_model_page_matches_metafile():
    with open(osp.join(REPO, 'configs', 'mote', 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    collection, = meta['Collections']
    assert collection['README'] == 'configs/mote/README.md'
    page = open(PAGE).read()
    table = rows(page)
    for model in meta['Models']:
        config = model['Config']
        row, = [r for r in table if f'](/{config})' in r
                and 'zero' not in r.lower()]
        weights = model.get('Weights')
        if weights:
            assert f']({weights})' in row, (config, row)
        else:
            assert 'not released' in row
        arch = model['Metadata']['Architecture']
        assert f'| {arch} |' in row
        assert f'uniform {model["Metadata"]["Frame"]} |' in row
        for result in model['Results']:
            metrics = result['Metrics']
            if result['Dataset'] == 'Kinetics-400':
                assert (f'| {metrics["Top 1 Accuracy"]} | '
                        f'{metrics["Top 5 Accuracy"]} |') in row
            else:  # zero-shot: the row of this backbone
                zs, = [r for r in table if f'| {arch} | ' in r
                       and 'zeroshot_' in r]
                assert f'| {metrics["Top 1 Accuracy"]} |' in zs
                if weights:
                    assert f']({weights})' in zs


def test_model_page_links_exist():
    page = open(PAGE).read()
    for target in re.findall(r'\]\((/[^)#]+)\)', page):
        assert osp.exists(osp.join(REPO, target.lstrip('/'))), target
    for src in re.findall(r'<img src="([^"]+)"', page):
        assert osp.isfile(osp.normpath(osp.join(osp.dirname(PAGE), src)))
