# Copyright (c) OpenMMLab. All rights reserved.
"""The vocabularies of a text-classifier head and their class tables."""
import os
import os.path as osp
from typing import List, Optional, Tuple

from mmaction.registry import MODELS
from mmengine.logging import MMLogger
from torch import Tensor

from ...compat.argument_hints import UnknownArgumentError, valid_arguments
from ...compat.tool_commands import tool_command
from ...vocabulary import (Phrasings, VocabularySource, describe_class_names,
                           load_class_phrasings)
from ..clip_utils import resolve_arch


class ClassTables:
    """Training and val/test vocabularies, and the text tower that turns
    them into class tables ``[C, D]``.

    A plain object (not an ``nn.Module``): the frozen text tower is never a
    child module, never in ``state_dict``, ``parameters()`` or
    ``.to(device)``; it is built on first use and caches tables per
    vocabulary and device. The head keeps the training table as its buffer
    (checkpoints carry it, TFM needs it).

    A test run needs no training class-name file (the checkpoint carries
    the training table), so a missing file is an error only when the table
    must be built (:meth:`encode_train`). Without one (``None``) the
    training dataset's vocabulary is given later (:meth:`set_train`, by
    ``MoTEVocabularyHook`` before training), so a config names its
    class-name file once, on the dataset.

    Args:
        class_names (str | Sequence, optional): Training vocabulary (see
            :mod:`mote_mmaction.vocabulary`).
        num_classes (int): Classes the head was built for.
        text_encoder (dict): Config of the frozen text tower.
        in_channels (int): Width of the head's video embedding, checked
            against the text tower's when its ``arch`` is known.
    """

    def __init__(self, class_names: Optional[VocabularySource],
                 num_classes: int, text_encoder: dict,
                 in_channels: int) -> None:
        self._encoder = text_encoder
        self.num_classes = num_classes
        self.source: Optional[VocabularySource] = None
        #: The training file when it does not exist (yet).
        self.missing_file: Optional[str] = None
        #: Per class its phrasings, the name first.
        self.train: Optional[List[Phrasings]] = None
        if class_names is not None:
            self.set_train(class_names)
        self.eval: Optional[List[Phrasings]] = None
        self._eval_table: Optional[Tensor] = None
        self._check_encoder_arguments()
        self._check_width(in_channels)

    def set_train(self, class_names: VocabularySource,
                  source: Optional[str] = None) -> None:
        """Use ``class_names`` as the training vocabulary (``source``: the
        file they came from, for logs)."""
        self.source = source or class_names
        self.missing_file, self.train = None, None
        if isinstance(class_names, (str, os.PathLike)) and \
                not osp.isfile(class_names):
            self.missing_file = os.fspath(class_names)
            return
        self.train = load_class_phrasings(class_names)
        if len(self.train) != self.num_classes:
            raise ValueError(
                f'num_classes={self.num_classes} but the class names '
                f'({describe_class_names(self.source, self.train)}) hold '
                f'{len(self.train)} names: set '
                f'model.cls_head.num_classes={len(self.train)}')

    def _check_encoder_arguments(self) -> None:
        """A typo in the text encoder's config fails at build, named, not
        at the first class table (the tower is built on first use)."""
        if not isinstance(self._encoder, dict):
            return
        cls = MODELS.get(self._encoder.get('type'))
        if cls is None:
            return
        valid = valid_arguments(cls)
        unknown = [k for k in self._encoder if k != 'type' and k not in valid]
        if unknown:
            raise UnknownArgumentError(cls.__name__, unknown[0], valid)

    def _check_width(self, in_channels: int) -> None:
        arch = self._encoder.get('arch') if isinstance(self._encoder,
                                                       dict) else None
        if arch is None:
            return
        width = resolve_arch(arch).get('embed_dim')
        if width is not None and width != in_channels:
            raise ValueError(
                f'the text tower ({arch if isinstance(arch, str) else "arch"}'
                f') embeds class names in {width}-d but the head takes '
                f'in_channels={in_channels}: video and text embeddings must '
                f'share one width. Set model.cls_head.in_channels={width} and '
                'map the backbone\'s features to it with feature_adapter='
                "dict(type='MoTEFeatureAdapter', in_channels=<backbone "
                f'channels>, out_channels={width}).')

    @property
    def text_encoder(self):
        """The frozen text encoder, built on first use."""
        if isinstance(self._encoder, dict):
            self._encoder = MODELS.build(self._encoder)
        return self._encoder

    @text_encoder.setter
    def text_encoder(self, encoder) -> None:
        # a built encoder shared between heads, or a config to build
        self._encoder = encoder

    @property
    def class_names(self) -> Optional[List[str]]:
        """Training class names (``None`` while the file is missing)."""
        return None if self.train is None else [p[0] for p in self.train]

    def require_train(self, why: str) -> None:
        """Raise naming the fix when there is no training vocabulary (its
        file is missing, or none was given)."""
        if self.train is None and self.missing_file is None:
            raise ValueError(
                f'the MoTE head has no training vocabulary ({why}): give '
                'the training dataset its class_names '
                '(train_dataloader.dataset.class_names; MoTEVocabularyHook '
                'passes them to the head before training) or set '
                'model.cls_head.class_names.')
        if self.missing_file is not None:
            raise FileNotFoundError(
                f'training class-name file not found: {self.missing_file} '
                f'({why}). Build it (for Kinetics-400: '
                f'{tool_command("tools/data/kinetics400/build_lists.py")}) '
                'or give the dataset class_names that exist.')

    def encode_train(self, device) -> Tensor:
        """The training table ``[C, D]``, logged once per build."""
        self.require_train('and the loaded checkpoint carries no training '
                           'class table cls_head.train_class_embeds')
        MMLogger.get_current_instance().info(
            'MoTE training vocabulary: ' +
            describe_class_names(self.source, self.train))
        return self.text_encoder.encode(self.train, device=device)

    def set_eval(self, class_names: Optional[VocabularySource],
                 source: Optional[str] = None) -> None:
        """Use ``class_names`` at val/test; ``None`` restores training's.
        ``source``: the file they came from, for logs."""
        self._eval_table = None
        if class_names is None:
            self.eval = None
            return
        vocab = load_class_phrasings(class_names)
        MMLogger.get_current_instance().info(
            'MoTE test vocabulary: ' +
            describe_class_names(source or class_names, vocab))
        self.eval = None if vocab == self.train else vocab

    def eval_table(self, train_table: Tensor) -> Tuple[Tensor, bool]:
        """Current test table ``[C, D]`` and whether it is training's."""
        if self.eval is None:
            return train_table, True
        if self._eval_table is None or \
                self._eval_table.device != train_table.device:
            self._eval_table = self.text_encoder.encode(
                self.eval, device=train_table.device)
        return self._eval_table, False
