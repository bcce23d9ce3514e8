# Copyright (c) OpenMMLab. All rights reserved.
"""``ClassTables``: the head's training and test vocabularies, the width
check at build, and errors that name the fix."""
import pytest
import torch

import mote_mmaction  # noqa: F401
from mote_mmaction.models.text.class_tables import ClassTables
from mote_mmaction.testing import tiny_clip_arch

NAMES = ['moving left', 'moving right', 'growing']


def encoder_cfg():
    return dict(type='CLIPTextEncoder', arch=tiny_clip_arch(),
                pretrained=None)


def test_count_mismatch_names_num_classes():
    with pytest.raises(ValueError, match=r'num_classes=4 but the class names '
                       r'\(inline list: 3 classes.*set '
                       r'model\.cls_head\.num_classes=3'):
        ClassTables(NAMES, 4, encoder_cfg(), 64)


def test_width_is_checked_against_the_text_tower():
    with pytest.raises(ValueError, match=r'embeds class names in 64-d but '
                       r'the head takes in_channels=128.*'
                       r'in_channels=64.*out_channels=64'):
        ClassTables(NAMES, 3, encoder_cfg(), 128)


def test_no_vocabulary_and_missing_file_each_name_their_fix(tmp_path):
    none = ClassTables(None, 3, encoder_cfg(), 64)
    assert none.class_names is None
    with pytest.raises(ValueError, match=r'no training vocabulary \(why\).*'
                       r'train_dataloader\.dataset\.class_names'):
        none.require_train('why')
    missing = ClassTables(str(tmp_path / 'none.txt'), 3, encoder_cfg(), 64)
    with pytest.raises(FileNotFoundError, match=r'none\.txt \(why\)'):
        missing.require_train('why')
    missing.set_train(NAMES)  # the dataset's names replace the missing file
    missing.require_train('why')
    assert missing.class_names == NAMES


def test_eval_vocabulary_and_its_table():
    tables = ClassTables(NAMES, 3, encoder_cfg(), 64)
    train = tables.encode_train(torch.device('cpu'))
    assert train.shape == (3, 64)
    tables.set_eval(list(NAMES))  # the same vocabulary: nothing to build
    assert tables.eval is None
    assert tables.eval_table(train) == (train, True)
    tables.set_eval(['shrinking', 'growing'])
    table, same = tables.eval_table(train)
    assert not same and table.shape == (2, 64)
    assert torch.equal(table, tables.text_encoder.encode(
        [('shrinking', ), ('growing', )]))
    tables.set_eval(None)
    assert tables.eval is None
