# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis/blend_sweep.py: close-set and zero-shot accuracy over
the CLIP blend alpha, JSON and PNG."""
import json
import os.path as osp

import open_clip
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.runner import Runner

from _inprocess_tools import run_script
from mote_mmaction.testing import (tiny_clip_arch, tiny_mote_model_cfg,
                                   tiny_video_pipeline)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_blend_sweep(motion_dataset, tmp_path):
    torch.manual_seed(1)
    clip = open_clip.CLIP(**tiny_clip_arch())
    clip_file = str(tmp_path / 'tiny_clip.pth')
    torch.save(clip.state_dict(), clip_file)

    def cfg(classes, ann, blend_hook=True, pretrained=clip_file):
        hooks = [dict(type='MoTEVocabularyHook')]
        if blend_hook:
            hooks.append(dict(type='MoTECLIPBlendHook'))
        return Config(dict(
            default_scope='mmaction',
            custom_imports=dict(imports=['mote_mmaction']),
            model=dict(tiny_mote_model_cfg(motion_dataset.classes,
                                           pretrained=pretrained),
                       test_cfg=dict(clip_blend_alpha=0.99)),
            test_dataloader=dict(
                batch_size=4, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(type='MoTEVideoDataset', ann_file=ann,
                             class_names=classes,
                             data_prefix=motion_dataset.data_prefix,
                             test_mode=True, pipeline=tiny_video_pipeline())),
            test_evaluator=dict(type='AccMetric'),
            test_cfg=dict(type='TestLoop'),
            custom_hooks=hooks,
            log_level='WARNING'))

    closeset = str(tmp_path / 'closeset.py')
    cfg(motion_dataset.class_file, motion_dataset.val_ann).dump(closeset)
    # "zero-shot": the same clips, scored against a 2-class vocabulary
    sub = tmp_path / 'sub.txt'
    sub.write_text(''.join(ln for ln in open(motion_dataset.val_ann)
                           if ln.split()[-1] in '01'))
    # no MoTECLIPBlendHook here (as the demo config): the sweep must blend
    # anyway, and its dataset has no {split}: one test, not three
    zeroshot = str(tmp_path / 'zeroshot_toy.py')
    cfg(motion_dataset.classes[:2], str(sub), blend_hook=False).dump(zeroshot)
    model = MODELS.build(Config.fromfile(closeset).model)
    model.cls_head.train_table()
    # the "fine-tuned" visual weights: CLIP's plus noise, so alpha 1 and 0
    # are two different models
    clip_visual = {k[len('visual.'):]: v for k, v in clip.state_dict().items()
                   if k.startswith('visual.')}
    model.backbone.visual.load_state_dict(clip_visual)
    pure_clip = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(2)
    with torch.no_grad():
        for p in model.backbone.visual.parameters():
            p.add_(0.5 * torch.randn_like(p) * p.std().clamp(min=1e-3))
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    clip_ckpt = str(tmp_path / 'clip_model.pth')
    torch.save(dict(state_dict=pure_clip), clip_ckpt)

    out = tmp_path / 'sweep'
    res = run_script('tools/analysis/blend_sweep.py', ckpt, '--alphas',
                     '1.0', '0.0', '--config', closeset,
                     '--zeroshot-configs', zeroshot, '--splits', '1', '2',
                     '3', '--out-dir', str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'no {split} placeholder, 1 distinct split' in res.stdout
    rows = json.loads((out / 'blend_sweep.json').read_text())
    assert [r['alpha'] for r in rows] == [1.0, 0.0]
    for r in rows:
        assert r['datasets']['toy']['n'] == 1
    assert sorted(p.name for p in (out / 'alpha1').iterdir()) == [
        'closeset', 'toy']
    for r in rows:
        # 4 classes x 3 clips close-set, 2 x 3 zero-shot: exact steps
        assert round(r['closeset_top1'] * 12 / 100, 6).is_integer()
        assert round(r['hmzs'] * 6 / 100, 6).is_integer()
    assert (out / 'blend_sweep.png').read_bytes()[:4] == b'\x89PNG'

    # Independent reference: each end of the sweep is the plain test of
    # the corresponding weights, unblended.
    def top1(config, weights):
        c = Config.fromfile(config)
        c.load_from, c.work_dir = weights, str(tmp_path / 'ref')
        c.model.test_cfg = dict(clip_blend_alpha=None)
        return 100 * Runner.from_cfg(c).test()['acc/top1']

    ft, orig = top1(closeset, ckpt), top1(closeset, clip_ckpt)
    assert ft != orig  # the two ends are distinguishable
    assert rows[0]['closeset_top1'] == pytest.approx(ft)
    assert rows[1]['closeset_top1'] == pytest.approx(orig)
    # the hook-less zero-shot config was blended too: alpha 0 is CLIP's
    assert rows[0]['hmzs'] == pytest.approx(top1(zeroshot, ckpt))
    assert rows[1]['hmzs'] == pytest.approx(top1(zeroshot, clip_ckpt))

    # a config with no CLIP file to blend with is refused before any test
    no_clip = str(tmp_path / 'no_clip.py')
    cfg(motion_dataset.class_file, motion_dataset.val_ann,
        pretrained=None).dump(no_clip)
    refused = tmp_path / 'refused'
    res = run_script('tools/analysis/blend_sweep.py', ckpt, '--alphas', '0.5',
                     '--config', no_clip, '--zeroshot-configs', zeroshot,
                     '--out-dir', str(refused))
    assert res.returncode == 1
    assert 'no_clip.py: no original CLIP file' in res.stderr
    assert '--clip-pretrained PATH' in res.stderr
    assert not refused.exists()
    # ... and with --clip-pretrained it blends: alpha 0 is CLIP again
    res = run_script('tools/analysis/blend_sweep.py', ckpt, '--alphas', '0',
                     '--config', no_clip, '--zeroshot-configs', zeroshot,
                     '--clip-pretrained', clip_file, '--out-dir',
                     str(refused))
    assert res.returncode == 0, res.stderr[-3000:]
    row, = json.loads((refused / 'blend_sweep.json').read_text())
    assert row['closeset_top1'] == pytest.approx(orig)


def test_blend_sweep_refuses_a_blended_checkpoint(motion_dataset, tmp_path):
    """A checkpoint whose meta records a blend is not blended again by the
    hook; the sweep must not report it under another alpha."""
    torch.manual_seed(1)
    clip = open_clip.CLIP(**tiny_clip_arch())
    clip_file = str(tmp_path / 'tiny_clip.pth')
    torch.save(clip.state_dict(), clip_file)
    cfg = Config(dict(
        default_scope='mmaction',
        custom_imports=dict(imports=['mote_mmaction']),
        model=tiny_mote_model_cfg(motion_dataset.classes,
                                  pretrained=clip_file, num_layers=1),
        test_dataloader=dict(
            batch_size=6, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='MoTEVideoDataset',
                         ann_file=motion_dataset.val_ann,
                         class_names=motion_dataset.class_file,
                         data_prefix=motion_dataset.data_prefix,
                         test_mode=True, pipeline=tiny_video_pipeline())),
        test_evaluator=dict(type='AccMetric'),
        test_cfg=dict(type='TestLoop'),
        log_level='WARNING'))
    config = str(tmp_path / 'closeset.py')
    cfg.dump(config)
    model = MODELS.build(cfg.model)
    model.cls_head.train_table()
    ckpt = str(tmp_path / 'blended.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(clip_blend_alpha=0.9)), ckpt)
    res = run_script('tools/analysis/blend_sweep.py', ckpt, '--alphas', '0.5',
                     '--config', config, '--zeroshot-configs', config,
                     '--out-dir', str(tmp_path / 'sweep'))
    assert res.returncode == 1
    assert 'carry the blend alpha=0.9' in res.stderr
    assert 'convert without --alpha' in res.stderr
    assert not (tmp_path / 'sweep' / 'blend_sweep.json').exists()
