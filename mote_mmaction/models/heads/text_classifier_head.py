# Copyright (c) OpenMMLab. All rights reserved.
"""A head whose classes are text: cosines with class-name embeddings."""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.models.heads.base import BaseHead
from mmaction.utils import ConfigType, SampleList
from torch import Tensor, nn

from ..text.class_tables import ClassTables

# A file, or per class a name or its phrasings (descriptor vocabularies).
ClassNames = Union[str, Sequence[Union[str, Sequence[str]]]]


class TextClassifierHead(BaseHead):
    """Base of heads that score video embeddings against class tables.

    A frozen text tower turns the training vocabulary into a table ``[C, D]``
    (stored in checkpoints as ``train_class_embeds``) and any val/test
    vocabulary into another; scores are fp32 cosines, scaled by
    ``exp(logit_scale)`` for training. Subclasses compute the video
    embedding (``forward``) and the losses.

    Args:
        num_classes (int): Classes of the training vocabulary.
        in_channels (int): Embedding width ``D``.
        class_names (str | Sequence[str], optional): Training vocabulary:
            a file of any format of :mod:`mote_mmaction.vocabulary` or a
            list. Defaults to the training dataset's ``class_names``, which
            ``MoTEVocabularyHook`` gives the head before training.
        text_encoder (dict): Config of the frozen text tower, e.g.
            ``dict(type='CLIPTextEncoder', arch='ViT-B-16', pretrained=...)``.
        test_class_names (str | Sequence[str], optional): Vocabulary for
            val/test (zero-shot). Defaults to the training vocabulary.
        logit_scale_init (float, optional): Initial ``logit_scale``. Defaults
            to the value in the text encoder's CLIP file, else ``ln 100``.
        test_scale_logits (bool): Multiply test cosines by
            ``exp(logit_scale)`` before view fusion. Defaults to False.
        **kwargs: :class:`~mmaction.models.heads.BaseHead`'s arguments.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 class_names: Optional[ClassNames] = None,
                 text_encoder: Optional[ConfigType] = None,
                 test_class_names: Optional[ClassNames] = None,
                 logit_scale_init: Optional[float] = None,
                 test_scale_logits: bool = False,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if text_encoder is None:
            raise ValueError(
                f'{type(self).__name__} needs text_encoder, e.g. dict(type='
                "'CLIPTextEncoder', arch='ViT-B-16', pretrained=<CLIP file>)")
        #: Vocabularies and the frozen text tower (never a child module).
        self.tables = ClassTables(class_names, num_classes, text_encoder,
                                  in_channels)
        self.test_scale_logits = test_scale_logits
        self._logit_scale_from_clip = logit_scale_init is None
        # Shape [1], not a scalar: FSDP cannot shard 0-d parameters.
        # Checkpoints with CLIP's scalar load unchanged (see below).
        self.logit_scale = nn.Parameter(
            torch.tensor([math.log(100.0) if logit_scale_init is None
                          else float(logit_scale_init)]))
        self.register_buffer('train_class_embeds',
                             torch.zeros(num_classes, in_channels))
        self._train_table_ready = False
        if test_class_names is not None:
            self.set_vocabulary(test_class_names)

    # ------------------------------------------------------------------
    # vocabularies (held by ``self.tables``)
    @property
    def text_encoder(self):
        """The frozen text encoder, built on first use."""
        return self.tables.text_encoder

    @text_encoder.setter
    def text_encoder(self, encoder) -> None:
        self.tables.text_encoder = encoder

    @property
    def class_names(self) -> Optional[List[str]]:
        """Training class names (``None`` while the file is missing)."""
        return self.tables.class_names

    @property
    def eval_class_names(self) -> Optional[List[str]]:
        """Class names set by :meth:`set_vocabulary` for val/test, or
        ``None`` while val/test use the training vocabulary."""
        return None if self.tables.eval is None else [
            p[0] for p in self.tables.eval]

    def set_vocabulary(self, class_names: Optional[ClassNames],
                       source: Optional[str] = None) -> None:
        """Use ``class_names`` at val/test; ``None`` restores training's.

        The table is built at the next eval forward (on that device) and
        cached by the text encoder, so switching back and forth is free.
        ``source`` names their file in logs.
        """
        self.tables.set_eval(class_names, source)

    def set_training_vocabulary(self, class_names: ClassNames,
                                source: Optional[str] = None) -> None:
        """Give a head built without ``class_names`` its training
        vocabulary (the training dataset's, see ``MoTEVocabularyHook``)."""
        self.tables.set_train(class_names, source)

    def init_weights(self) -> None:
        """Take ``logit_scale`` from the CLIP file when one is configured."""
        self.tables.require_train('training needs it')
        super().init_weights()
        enc = self.text_encoder
        if self._logit_scale_from_clip and enc.logit_scale is not None:
            self.logit_scale.data.fill_(enc.logit_scale)

    def train_table(self) -> Tensor:
        """Training-vocabulary table ``[C, D]``, built once then stored."""
        if not self._train_table_ready:
            self.train_class_embeds.copy_(
                self.tables.encode_train(self.train_class_embeds.device))
            self._train_table_ready = True
        return self.train_class_embeds

    def eval_table(self) -> Tuple[Tensor, bool]:
        """Current test table ``[C, D]`` and whether it is training's."""
        return self.tables.eval_table(self.train_table())

    # ------------------------------------------------------------------
    # checkpoints
    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        scale = state_dict.get(prefix + 'logit_scale')
        if scale is not None and scale.dim() == 0:  # CLIP's / older ours
            state_dict[prefix + 'logit_scale'] = scale.reshape(1)
        table = state_dict.get(prefix + 'train_class_embeds')
        if table is not None and \
                table.shape == self.train_class_embeds.shape:
            self._train_table_ready = True
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def checkpoint_fit_hint(self, state: Dict, prefix: str,
                            checkpoint=None) -> Optional[str]:
        """How to test on other labels when the checkpoint's class table
        does not fit (read by
        :func:`mote_mmaction.compat.checkpoint_fit.check_fits`)."""
        table = state.get(prefix + 'train_class_embeds')
        if table is None or table.shape == self.train_class_embeds.shape:
            return None
        return (f'The checkpoint was trained on {table.shape[0]} classes '
                f'(class table {tuple(table.shape)}), the head is built for '
                f'num_classes={self.num_classes}, in_channels='
                f'{self.in_channels}. To test on other labels, keep the '
                f'training vocabulary (model.cls_head.num_classes='
                f'{table.shape[0]}) and give the new labels to the test '
                'dataset (test_dataloader.dataset.class_names, with '
                'MoTEVocabularyHook) or to model.cls_head.test_class_names')

    # ------------------------------------------------------------------
    # scores and training bookkeeping
    @staticmethod
    def cosine(video: Tensor, table: Tensor) -> Tensor:
        """Cosines ``[N, C]`` (fp32) of video embeddings ``[N, D]`` and a
        table ``[C, D]``.

        Always fp32, autocast or not: at logit scale 100, bf16 cosines move
        the logits by up to 0.24 (fp16: 0.03).
        """
        with torch.autocast(video.device.type, enabled=False):
            video = F.normalize(video.float(), dim=-1)
            return video @ F.normalize(table.float(), dim=-1).t()

    def train_logits(self, video: Tensor) -> Tensor:
        """Scaled logits ``[N, C]`` of video embeddings ``[N, D]`` against
        the training table."""
        return self.logit_scale.exp() * self.cosine(video, self.train_table())

    def test_scores(self, video: Tensor, table: Tensor) -> Tensor:
        """Cosines ``[N, C]`` against a test table, scaled if
        ``test_scale_logits``."""
        scores = self.cosine(video, table)
        return self.logit_scale.exp() * scores if self.test_scale_logits \
            else scores

    def targets(self, data_samples: SampleList,
                device) -> Tuple[Tensor, Tensor]:
        """Hard labels ``[B]`` and loss targets (smoothed if configured)."""
        labels = torch.cat([s.gt_label.view(-1)[:1] for s in data_samples])
        labels = labels.to(device, non_blocking=True)
        if self.label_smooth_eps == 0:
            return labels, labels
        eps = self.label_smooth_eps
        return labels, (1 - eps) * F.one_hot(
            labels, self.num_classes).float() + eps / self.num_classes

    def accuracies(self, logits: Tensor, labels: Tensor) -> Dict[str, Tensor]:
        """Top-k accuracies on the device: ``BaseHead.loss_by_feat`` moves
        the scores to the host, a sync every step."""
        maxk = min(max(self.topk), logits.shape[1])
        hits = logits.detach().topk(maxk, dim=1).indices == labels[:, None]
        return {
            f'top{k}_acc': hits[:, :min(k, maxk)].any(dim=1).float().mean()
            for k in self.topk
        }
