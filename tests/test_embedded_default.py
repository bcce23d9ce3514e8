# Copyright (c) OpenMMLab. All rights reserved.
"""The README's quick-start job end to end: data, train (with val, the
zero-shot hook and the merged export), close-set and zero-shot tests."""
import json
import os.path as osp
import subprocess
import sys

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_embedded_default_end_to_end(tmp_path):
    work = tmp_path / 'work'
    res = subprocess.run(
        [sys.executable, 'tools/run_embedded_default.py', '--work-dir',
         str(work), '--data-root', str(tmp_path / 'data'), '--epochs', '1',
         '--train-videos', '4', '--test-videos', '2'],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert 'MoTE embedded default: summary' in res.stdout
    summary = json.loads((work / 'summary.json').read_text())
    assert 0.0 <= summary['closeset_top1'] <= 1.0
    assert 0.0 <= summary['zeroshot_top1'] <= 1.0
    assert summary['closeset_chance'] == 0.2
    assert summary['zeroshot_chance'] == 1 / 3
    # the zero-shot hook logged held-out top-1 and the trade-off at val
    assert 'val/zeroshot/heldout/top1' in summary['last_val']
    log = '\n'.join(p.read_text() for p in work.rglob('*.log'))
    assert 'zeroshot/tradeoff' in log
    # the merged export is a single-FFN checkpoint with the class table
    ckpt = torch.load(str(work / 'mote_merged.pth'), map_location='cpu',
                      weights_only=False)
    keys = list(ckpt['state_dict'])
    assert ckpt['meta']['num_experts'] == 1
    assert 'cls_head.train_class_embeds' in keys
    assert not any('.mlp.fc_up.1.' in k for k in keys)
    assert (work / 'deploy_config.py').exists()
