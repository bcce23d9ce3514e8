# Copyright (c) OpenMMLab. All rights reserved.
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.models.heads.base import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, SampleList
from torch import Tensor, nn

from ..deploy import count_experts
from ..layers.expert_router import MoTERouter
from ..layers.temporal_modulation import temporal_modulation
from ..layers.temporal_transformer import MoTETemporalTransformer
from ..text.class_tables import ClassTables
from .input_check import check_frame_features

# A file, or per class a name or its phrasings (descriptor vocabularies).
ClassNames = Union[str, Sequence[Union[str, Sequence[str]]]]


@MODELS.register_module()
class MoTEHead(BaseHead):
    """MoTE head: mixture-of-temporal-experts transformer + text classifier.

    Input frame embeddings ``e`` ``[N, T, D]`` (``N`` = batch x views) go
    through a temporal transformer whose FFNs are ``num_experts`` experts;
    the video embedding is ``z = mean_t(e + rho * h)`` and the logits are
    cosines with a class table built from class names by a frozen CLIP text
    tower.

    Training (:meth:`loss`) runs the temporal module twice on the same
    frame features: with one expert per layer drawn from
    ``softmax([1..N] / t)`` (``loss_cls``) and with experts merged by
    ``softmax([1..N] / tau)``, ``tau`` drawn per layer from
    ``{+-beta * 2**k} U {inf}`` (``loss_wmr``, plus ``loss_mse`` on the
    merged path's output against ``e``). Every expert is in the graph each
    step, so DDP needs no ``find_unused_parameters``.

    Test (:meth:`forward` in eval mode): the experts are merged (uniform by
    default) at every forward, so weights changed in place are always the
    ones used; TFM sets ``rho`` from how the test vocabulary
    relates to the training one (``rho = 1`` without work when they are the
    same); the output is raw cosines, fused over views by ``average_clips``
    (``'prob'``: softmax per view, then mean, as MoTE's test scripts).

    Args:
        num_classes (int): Classes of the training vocabulary.
        in_channels (int): Frame embedding width ``D``.
        class_names (str | Sequence[str], optional): Training vocabulary:
            a file of any format of :mod:`mote_mmaction.vocabulary` or a
            list. Its table is stored in checkpoints (TFM needs it).
            Defaults to the training dataset's ``class_names``, which
            ``MoTEVocabularyHook`` gives the head before training.
        text_encoder (dict): Config of the frozen text tower, e.g.
            ``dict(type='CLIPTextEncoder', arch='ViT-B-16', pretrained=...)``.
        test_class_names (str | Sequence[str], optional): Vocabulary for
            val/test (zero-shot). Defaults to the training vocabulary.
        num_layers (int): Temporal layers ``L``. Defaults to 4.
        num_heads (int, optional): Defaults to ``D // 64``.
        num_experts (int): Experts ``N`` per FFN. Defaults to 4.
        max_frames (int): Frame-position rows. Defaults to 77.
        routing_temperature (float): ``t`` of the expert draw. Defaults to 1.
        tau_beta (float): ``beta`` of the merge temperatures. Defaults to 0.6.
        tau_num_scales (int): ``k = 0..K-1``. Defaults to 5.
        tau_with_inf (bool): Include ``tau = inf``. Defaults to True.
        sync_routing (bool): Draw the same experts and taus on every rank.
            Defaults to False (each rank draws its own, as MoTE's code).
        routing_seed (int, optional): Seed of the routing draws, which are a
            function of ``(seed, iteration, rank)`` (see
            :class:`~mote_mmaction.models.layers.MoTERouter`; the iteration
            comes from ``MoTERoutingStepHook``) so a resumed run draws what
            the uninterrupted run would have. Defaults to the process's
            torch seed (set by MMEngine's ``randomness``).
        eval_merge_coeffs (Sequence[float], optional): Test-time merge
            weights. Defaults to uniform (MoTE).
        loss_cls (dict): Expert-path loss. Defaults to CE.
        loss_wmr (dict): Merged-path loss. Defaults to CE with weight 0.5.
        loss_mse (dict, optional): Merged-path feature loss. Defaults to MSE
            with weight 0.1. ``None`` disables it.
        mse_target (str): ``'frame'``: per-frame ``(e + h, e)`` as MoTE's
            code; ``'video'``: the pooled embeddings, as the paper writes.
        tfm (dict, optional): ``dict(topk=5, gamma=0.05)``; ``None`` turns
            TFM off (``rho = 1``).
        logit_scale_init (float, optional): Initial ``logit_scale``. Defaults
            to the value in the text encoder's CLIP file, else ``ln 100``.
        test_scale_logits (bool): Multiply test cosines by
            ``exp(logit_scale)`` before view fusion. Defaults to False (MoTE
            applies the softmax to raw cosines).
        average_clips (str): View fusion. Defaults to ``'prob'``.
        feature_adapter (dict, optional): Config of a module that turns a
            stock backbone's features into ``[N, T, in_channels]`` frame
            embeddings, e.g. ``dict(type='MoTEFeatureAdapter',
            in_channels=432, out_channels=512)`` for X3D. Defaults to None
            (CLIP frame embeddings).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 class_names: Optional[ClassNames] = None,
                 text_encoder: Optional[ConfigType] = None,
                 test_class_names: Optional[ClassNames] = None,
                 num_layers: int = 4,
                 num_heads: Optional[int] = None,
                 num_experts: int = 4,
                 max_frames: int = 77,
                 routing_temperature: float = 1.0,
                 tau_beta: float = 0.6,
                 tau_num_scales: int = 5,
                 tau_with_inf: bool = True,
                 sync_routing: bool = False,
                 routing_seed: Optional[int] = None,
                 eval_merge_coeffs: Optional[Sequence[float]] = None,
                 loss_cls: ConfigType = dict(
                     type='CrossEntropyLoss', loss_weight=1.0),
                 loss_wmr: ConfigType = dict(
                     type='CrossEntropyLoss', loss_weight=0.5),
                 loss_mse: Optional[ConfigType] = dict(
                     type='MoTEFeatureMSELoss', loss_weight=0.1),
                 mse_target: str = 'frame',
                 tfm: Optional[dict] = dict(topk=5, gamma=0.05),
                 logit_scale_init: Optional[float] = None,
                 test_scale_logits: bool = False,
                 average_clips: str = 'prob',
                 feature_adapter: Optional[ConfigType] = None,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, loss_cls=loss_cls,
                         average_clips=average_clips, **kwargs)
        if mse_target not in ('frame', 'video'):
            raise ValueError(f'mse_target must be frame or video, got '
                             f'{mse_target!r}')
        if text_encoder is None:
            raise ValueError(
                'MoTEHead needs text_encoder, e.g. dict(type='
                "'CLIPTextEncoder', arch='ViT-B-16', pretrained=<CLIP file>)")
        #: Vocabularies and the frozen text tower (never a child module).
        self.tables = ClassTables(class_names, num_classes, text_encoder,
                                  in_channels)
        self.num_experts = num_experts
        self.mse_target = mse_target
        self.tfm = tfm
        self.test_scale_logits = test_scale_logits

        self.temporal = MoTETemporalTransformer(
            in_channels, num_layers, num_heads, num_experts, max_frames,
            eval_coeffs=eval_merge_coeffs)
        self.feature_adapter = None if feature_adapter is None else \
            MODELS.build(feature_adapter)
        adapted = getattr(self.feature_adapter, 'out_channels', in_channels)
        if adapted != in_channels:
            raise ValueError(
                f'feature_adapter gives {adapted}-d frame embeddings but the '
                f'head takes in_channels={in_channels}: set the adapter\'s '
                f'out_channels={in_channels}')
        self.loss_wmr = MODELS.build(loss_wmr)
        self.loss_mse = None if loss_mse is None else MODELS.build(loss_mse)

        self._logit_scale_from_clip = logit_scale_init is None
        # Shape [1], not a scalar: FSDP cannot shard 0-d parameters.
        # Checkpoints with CLIP's scalar load unchanged (see below).
        self.logit_scale = nn.Parameter(
            torch.tensor([math.log(100.0) if logit_scale_init is None
                          else float(logit_scale_init)]))
        self.register_buffer('train_class_embeds',
                             torch.zeros(num_classes, in_channels))
        self._train_table_ready = False
        self.router = MoTERouter(
            num_experts, num_layers, routing_temperature, tau_beta,
            tau_num_scales, tau_with_inf, seed=routing_seed,
            sync=sync_routing)
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
        """What to change when a checkpoint does not fit this head (read by
        :func:`mote_mmaction.compat.checkpoint_fit.check_fits`)."""
        own = {k[len(prefix):]: v for k, v in state.items()
               if k.startswith(prefix)}
        hints = []
        n_file = count_experts(own)
        if n_file and n_file != self.num_experts:
            hints.append(f'The checkpoint has {n_file} expert(s) per FFN, '
                         f'the model {self.num_experts}: set '
                         f'model.cls_head.num_experts={n_file}')
        table = own.get('train_class_embeds')
        if table is not None and table.shape != \
                self.train_class_embeds.shape:
            hints.append(
                f'The checkpoint was trained on {table.shape[0]} classes '
                f'(class table {tuple(table.shape)}), the head is built for '
                f'num_classes={self.num_classes}, in_channels='
                f'{self.in_channels}. To test on other labels, keep the '
                f'training vocabulary (model.cls_head.num_classes='
                f'{table.shape[0]} and its class_names) and give the new '
                'labels to the test dataset (test_dataloader.dataset.'
                'class_names, with MoTEVocabularyHook) or to '
                'model.cls_head.test_class_names')
        return '. '.join(hints) or None

    # ------------------------------------------------------------------
    # forward paths
    @staticmethod
    def _cosine(video: Tensor, table: Tensor) -> Tensor:
        """Cosines ``[N, C]`` (fp32) of video embeddings ``[N, D]`` and a
        table ``[C, D]``.

        Always fp32, autocast or not: at logit scale 100, bf16 cosines move
        the logits by up to 0.24 (fp16: 0.03).
        """
        with torch.autocast(video.device.type, enabled=False):
            video = F.normalize(video.float(), dim=-1)
            return video @ F.normalize(table.float(), dim=-1).t()

    @staticmethod
    def _pool(x: Tensor, h: Tensor, rho: Optional[Tensor] = None) -> Tensor:
        """Per-frame outputs ``x + rho * h`` ``[N, T, D]`` in fp32.

        The temporal transformer runs in the autocast dtype (as the authors'
        fp16 AMP); the residual sum, the pooling and the cosines that follow
        are fp32, so the frame features ``x`` keep their precision.
        """
        h = h.float()
        if rho is not None:
            h = rho.float()[:, None, None] * h
        return x.float() + h

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """Class scores of frame embeddings.

        Args:
            x (Tensor): ``[N, T, D]`` frame embeddings.

        Returns:
            Tensor: ``[N, C]``. Training mode: expert-path logits (scaled);
            eval mode: merged experts with TFM, raw cosines over the test
            vocabulary (scaled if ``test_scale_logits``).
        """
        x = self.frame_features(x)
        if self.training:
            experts, _ = self.router.draw()
            return self._train_logits(
                self._pool(x, self.temporal(x, experts=experts)))
        table, same_vocab = self.eval_table()
        return self.score_table(x, table, modulate=not same_vocab)

    def frame_features(self, x: Tensor) -> Tensor:
        """The backbone's output as checked frame embeddings ``[N, T, D]``
        (through ``feature_adapter`` if one is configured)."""
        if self.feature_adapter is not None:
            x = self.feature_adapter(x)
        check_frame_features(x, self.in_channels)
        return x

    def score_table(self, x: Tensor, table: Tensor,
                    modulate: bool = True) -> Tensor:
        """Eval-mode scores of frame embeddings against a class table.

        The test path of :meth:`forward` with the table given, for export
        (the class table as a graph input or constant). Temporal Feature
        Modulation scales the temporal residual by ``rho``
        (:func:`~mote_mmaction.models.layers.temporal_modulation`).

        Args:
            x (Tensor): ``[N, T, D]`` frame embeddings.
            table (Tensor): ``[C, D]`` test class table.
            modulate (bool): Apply TFM (if configured); ``False`` when
                ``table`` is the training table (``rho = 1``).

        Returns:
            Tensor: ``[N, C]`` cosines (scaled if ``test_scale_logits``).
        """
        h = self.temporal(x)
        rho = None
        if modulate and self.tfm is not None:
            rho = temporal_modulation(x, table, self.train_table(),
                                      **self.tfm)
        scores = self._cosine(self._pool(x, h, rho).mean(dim=1), table)
        if self.test_scale_logits:
            scores = self.logit_scale.exp() * scores
        return scores

    def _train_logits(self, out: Tensor) -> Tensor:
        """Scaled logits ``[N, C]`` of per-frame outputs ``[N, T, D]``
        against the training table."""
        return self.logit_scale.exp() * self._cosine(
            out.mean(dim=1), self.train_table())

    # ------------------------------------------------------------------
    # training
    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Expert-path CE plus weight merging regularization.

        Args:
            feats (Tensor): Frame embeddings ``[B, T, D]`` (or what
                ``feature_adapter`` takes).
            data_samples (list[ActionDataSample]): With ``gt_label``.

        Returns:
            dict: ``loss_cls``, ``loss_wmr``, ``loss_mse`` and ``top{k}_acc``.
        """
        x = self.frame_features(feats)
        experts, tau_idx = self.router.draw()
        labels, targets = self._targets(data_samples, x.device)
        h_expert = self.temporal(x, experts=experts)
        logits = self._train_logits(self._pool(x, h_expert))
        losses = self._accuracies(logits, labels)
        losses['loss_cls'] = self.loss_cls(logits, targets)
        losses.update(
            self.weight_merging_regularization(x, tau_idx, targets, h_expert))
        return losses

    def weight_merging_regularization(self, x: Tensor, tau_idx: Tensor,
                                      targets: Tensor,
                                      h_expert: Tensor) -> Dict[str, Tensor]:
        """MoTE's Weight Merging Regularization (WMR).

        The experts of each layer are merged in weight space with
        ``softmax([1..N] / tau)`` (``tau`` drawn per layer by the router)
        and the merged temporal module is trained too: CE on its logits
        (``loss_wmr``) and, if configured, MSE between its output and the
        frame features (``loss_mse``, per frame or per video).

        Args:
            x (Tensor): Frame embeddings ``[N, T, D]``.
            tau_idx (Tensor): Merge-temperature index per layer ``[L]``.
            targets (Tensor): Loss targets ``[N]`` (or smoothed ``[N, C]``).
            h_expert (Tensor): The expert path's output ``[N, T, D]``,
                which is the merged output when there is one expert.

        Returns:
            dict: ``loss_wmr`` and ``loss_mse``.
        """
        h_merged = h_expert if self.num_experts == 1 else self.temporal(
            x, coeffs=self.router.merge_coeffs(tau_idx))
        out = self._pool(x, h_merged)
        losses = dict(loss_wmr=self.loss_wmr(self._train_logits(out),
                                             targets))
        if self.loss_mse is not None:
            if self.mse_target == 'frame':
                losses['loss_mse'] = self.loss_mse(out, x.float())
            else:
                losses['loss_mse'] = self.loss_mse(
                    out.mean(dim=1), x.float().mean(dim=1))
        return losses

    def _targets(self, data_samples: SampleList,
                 device) -> Tuple[Tensor, Tensor]:
        """Hard labels ``[B]`` and loss targets (smoothed if configured)."""
        labels = torch.cat([s.gt_label.view(-1)[:1] for s in data_samples])
        labels = labels.to(device, non_blocking=True)
        if self.label_smooth_eps == 0:
            return labels, labels
        eps = self.label_smooth_eps
        return labels, (1 - eps) * F.one_hot(
            labels, self.num_classes).float() + eps / self.num_classes

    def _accuracies(self, logits: Tensor, labels: Tensor) -> Dict[str, Tensor]:
        """Top-k accuracies on the device: ``BaseHead.loss_by_feat`` moves
        the scores to the host, a sync every step."""
        maxk = min(max(self.topk), logits.shape[1])
        hits = logits.detach().topk(maxk, dim=1).indices == labels[:, None]
        return {
            f'top{k}_acc': hits[:, :min(k, maxk)].any(dim=1).float().mean()
            for k in self.topk
        }
