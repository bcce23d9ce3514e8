# Copyright (c) OpenMMLab. All rights reserved.
"""CLIPTextEncoder: MoTE's template ensemble, the table cache, and
descriptor vocabularies (the normalised ensemble over templates x
phrasings; plain names keep MoTE's table bit for bit)."""
import json

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.runner import Runner

from mote_mmaction.models.text.text_encoder import CLIPTextEncoder
from mote_mmaction.testing import (tiny_clip_arch, tiny_mote_model_cfg,
                                   tiny_video_pipeline)
from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)

TEMPLATES = ('a video of {}.', 'a person {}.', '{}')
VOCAB = [('moving left', 'sliding to the left'), ('growing', ),
         ('shrinking', 'getting smaller', 'contracting')]


def _encoder(templates=TEMPLATES):
    return CLIPTextEncoder(arch=tiny_clip_arch(), templates=templates)


def _embed(enc, texts):
    """normalize(g(text)) per text, with the encoder's tower/tokenizer."""
    with torch.no_grad():
        return F.normalize(enc.tower(enc.tokenizer(texts)).float(), dim=-1)


def _ensemble(enc, vocab):
    """Per class: mean over all (phrasing, template) prompts, normalised."""
    rows = [_embed(enc, [t.format(p) for p in phr
                         for t in enc.templates]).mean(0) for phr in vocab]
    return F.normalize(torch.stack(rows), dim=-1)


def _model_cfg(class_names, **kwargs):
    cfg = tiny_mote_model_cfg(class_names, **kwargs)
    cfg['cls_head']['text_encoder']['templates'] = TEMPLATES
    return cfg


def _mote_table(enc, names):
    """The single-phrasing table as MoTE computes it (one batch, [C, T]
    view, mean over templates)."""
    prompts = [t.format(c) for c in names for t in enc.templates]
    with torch.no_grad():
        out = F.normalize(enc.tower(enc.tokenizer(prompts)).float(), dim=-1)
    return F.normalize(
        out.view(len(names), len(enc.templates), -1).mean(dim=1), dim=-1)


def _write_json(path, vocab):
    with open(path, 'w') as f:
        json.dump([list(p) for p in vocab], f)
    return str(path)


def test_table_is_the_hand_computed_ensemble():
    enc = _encoder()
    table = enc.encode(VOCAB)
    assert table.shape == (3, 64)
    torch.testing.assert_close(table, _ensemble(enc, VOCAB))
    # descriptions change the rows that have them, and only those
    plain = enc.encode([p[0] for p in VOCAB])
    assert torch.equal(table[1], plain[1])
    assert not torch.allclose(table[0], plain[0], atol=1e-4)
    # uniform phrasing counts take the batched path: same ensemble
    two = [('a', 'b'), ('c', 'd')]
    torch.testing.assert_close(enc.encode(two), _ensemble(enc, two))


def test_plain_names_are_bit_identical_to_mote():
    enc = _encoder()
    names = ['moving left', 'growing', 'shrinking']
    want = _mote_table(enc, names)
    assert torch.equal(enc.encode(names), want)
    runs = _count_tower_runs(enc)
    assert torch.equal(enc.encode([(n, ) for n in names]), want)  # cached
    assert runs == []


def test_head_tables_from_a_descriptor_file(tmp_path):
    path = _write_json(tmp_path / 'train.json', VOCAB)
    cfg = _model_cfg(path, num_classes=3)
    model = MODELS.build(cfg).eval()
    head = model.cls_head
    enc = head.text_encoder
    assert head.class_names == ['moving left', 'growing', 'shrinking']
    torch.testing.assert_close(head.train_table(), _ensemble(enc, VOCAB))

    zs = [('jumping', 'hopping up'), ('falling', )]
    zs_path = _write_json(tmp_path / 'zs.json', zs)
    model.set_vocabulary(zs_path)
    table, is_train = head.eval_table()
    assert not is_train
    torch.testing.assert_close(table, _ensemble(enc, zs))
    model.set_vocabulary(list(VOCAB))  # the training vocabulary again
    assert head.eval_table()[1]
    model.set_vocabulary(['moving left', 'growing', 'shrinking'])
    table, is_train = head.eval_table()  # names only: another vocabulary
    assert not is_train
    assert torch.equal(table, _mote_table(enc, head.class_names))


def test_dataset_and_vocabulary_hook_use_the_descriptions(tmp_path):
    root = str(tmp_path)
    classes = list(MOTION_CLASSES[3:5])
    ann, _ = generate_motion_dataset(root, classes, 1, 'zs', num_frames=8,
                                     size=(32, 32))
    vocab = [(c, f'something {c}') for c in classes]
    zs_file = _write_json(tmp_path / 'zs.json', vocab)
    cfg = Config(dict(
        default_scope='mmaction',
        model=_model_cfg(['moving left', 'growing', 'shrinking']),
        work_dir=str(tmp_path / 'work'),
        test_dataloader=dict(
            batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='MoTEVideoDataset', ann_file=ann,
                         class_names=zs_file, data_prefix=dict(video=root),
                         test_mode=True, pipeline=tiny_video_pipeline())),
        test_evaluator=dict(type='AccMetric'),
        test_cfg=dict(type='TestLoop'),
        custom_hooks=[dict(type='MoTEVocabularyHook')],
        log_level='WARNING'))
    runner = Runner.from_cfg(cfg)
    meta = runner.test_dataloader.dataset.metainfo
    assert meta['classes'] == tuple(classes)
    assert meta['class_phrasings'] == tuple(vocab)
    head = runner.model.cls_head
    seen = []
    orig = head.eval_table
    head.eval_table = lambda: seen.append(orig()) or seen[-1]
    runner.test()
    enc = head.text_encoder
    assert seen and not seen[0][1]
    torch.testing.assert_close(seen[0][0], _ensemble(enc, vocab))
    assert head.eval_class_names is None  # training vocabulary restored


# ----------------------------------------------------------------------
# The table cache and MoTE's template ensemble
def _count_tower_runs(enc) -> list:
    """A list that grows by one each time ``enc`` runs its text tower."""
    runs = []
    enc.tower.register_forward_pre_hook(lambda *args: runs.append(1))
    return runs


def test_text_tower_runs_once_per_vocabulary():
    from _tiny_model import build_tiny, clips, samples
    model = build_tiny(num_layers=1).eval()
    enc = model.cls_head.text_encoder
    enc.batch_size = 10 ** 6  # one tower run per table
    runs = _count_tower_runs(enc)
    with torch.no_grad():
        model(clips(), samples([0, 1]), mode='predict')
        assert len(runs) == 1
        model(clips(), samples([0, 1]), mode='predict')
        assert len(runs) == 1
        model.set_vocabulary(['a', 'b'])
        model(clips(), samples([0, 1]), mode='predict')
        assert len(runs) == 2
        model.set_vocabulary(None)
        model(clips(), samples([0, 1]), mode='predict')
        model.set_vocabulary(['a', 'b'])
        model(clips(), samples([0, 1]), mode='predict')
        assert len(runs) == 2


def test_class_table_is_template_ensemble():
    from mote_mmaction.models.text.text_encoder import MOTE_TEMPLATES
    enc = CLIPTextEncoder(arch=tiny_clip_arch())
    assert enc.templates == tuple(MOTE_TEMPLATES)
    assert len(enc.templates) == 28
    assert 'a video of a person practicing {}.' in enc.templates
    table = enc.encode(['growing'])
    per = _embed(enc, [t.format('growing') for t in enc.templates])
    assert torch.allclose(table[0], F.normalize(per.mean(0), dim=-1),
                          atol=1e-6)


def test_a_tower_without_weights_warns_once(log_messages):
    """pretrained=None builds a random text tower (what tests want): the
    log says the scores of real class names mean nothing, once."""
    enc = CLIPTextEncoder(arch=tiny_clip_arch(), pretrained=None)
    enc.encode(['moving left', 'growing'])
    enc.encode(['shrinking', 'growing'])
    warned = [m for m in log_messages if 'has no weights' in m]
    assert len(warned) == 1 and 'text_encoder.pretrained' in warned[0]
