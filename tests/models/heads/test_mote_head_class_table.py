# Copyright (c) OpenMMLab. All rights reserved.
"""A test run builds without the training class-name file: the checkpoint
carries the training table (TFM needs it); training still needs the file."""
import pytest
import torch
from mmaction.registry import MODELS

from mote_mmaction.testing import tiny_mote_model_cfg

TRAIN = ['moving left', 'moving right', 'growing', 'shrinking']
ZERO_SHOT = ['jumping', 'falling', 'waving']


def test_zero_shot_from_the_checkpoint_table(tmp_path):
    torch.manual_seed(0)
    trained = MODELS.build(tiny_mote_model_cfg(TRAIN)).eval()
    trained.cls_head.train_table()
    state = trained.state_dict()

    missing = str(tmp_path / 'kinetics400_class_names.txt')
    cfg = tiny_mote_model_cfg(missing, num_classes=len(TRAIN))
    model = MODELS.build(cfg).eval()  # builds although the file is absent
    model.load_state_dict(state)
    for m in (trained, model):
        m.set_vocabulary(ZERO_SHOT)
    x = torch.randn(3, 4, 64)
    with torch.no_grad():
        got, want = model.cls_head(x), trained.cls_head(x)
    assert got.shape == (3, len(ZERO_SHOT))
    torch.testing.assert_close(got, want)  # same table, same TFM
    assert torch.equal(model.cls_head.train_table(),
                       trained.cls_head.train_table())


def test_missing_file_without_table_or_for_training_is_an_error(tmp_path):
    missing = str(tmp_path / 'kinetics400_class_names.txt')
    model = MODELS.build(tiny_mote_model_cfg(missing, num_classes=4)).eval()
    model.set_vocabulary(ZERO_SHOT)
    with pytest.raises(FileNotFoundError,
                       match='kinetics400_class_names.txt.*carries no'):
        model.cls_head(torch.randn(2, 4, 64))
    with pytest.raises(FileNotFoundError, match='training needs it'):
        model.cls_head.init_weights()
