# Copyright (c) OpenMMLab. All rights reserved.
from typing import Dict, Optional, Sequence

from mmaction.registry import MODELS
from mmaction.utils import ConfigType, SampleList
from torch import Tensor

from ..deploy import count_experts
from ..layers.expert_router import MoTERouter
from ..layers.temporal_modulation import temporal_modulation
from ..layers.temporal_transformer import MoTETemporalTransformer
from .input_check import check_frame_features
from .text_classifier_head import ClassNames, TextClassifierHead


@MODELS.register_module()
class MoTEHead(TextClassifierHead):
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
        class_names, text_encoder, test_class_names, logit_scale_init,
            test_scale_logits: The text classifier's, see
            :class:`TextClassifierHead` (``class_names`` defaults to the
            training dataset's; the training table is stored in
            checkpoints, TFM needs it).
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
        super().__init__(
            num_classes, in_channels, class_names=class_names,
            text_encoder=text_encoder, test_class_names=test_class_names,
            logit_scale_init=logit_scale_init,
            test_scale_logits=test_scale_logits, loss_cls=loss_cls,
            average_clips=average_clips, **kwargs)
        if mse_target not in ('frame', 'video'):
            raise ValueError(f'mse_target must be frame or video, got '
                             f'{mse_target!r}')
        self.num_experts = num_experts
        self.mse_target = mse_target
        self.tfm = tfm
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
        self.router = MoTERouter(
            num_experts, num_layers, routing_temperature, tau_beta,
            tau_num_scales, tau_with_inf, seed=routing_seed,
            sync=sync_routing)

    def checkpoint_fit_hint(self, state: Dict, prefix: str,
                            checkpoint=None) -> Optional[str]:
        """The expert count to set, and the class-table hint of
        :class:`TextClassifierHead` (read by
        :func:`mote_mmaction.compat.checkpoint_fit.check_fits`)."""
        n_file = count_experts({k[len(prefix):]: v for k, v in state.items()
                                if k.startswith(prefix)})
        hints = [super().checkpoint_fit_hint(state, prefix, checkpoint)]
        if n_file and n_file != self.num_experts:
            hints.insert(0, f'The checkpoint has {n_file} expert(s) per FFN, '
                         f'the model {self.num_experts}: set '
                         f'model.cls_head.num_experts={n_file}')
        return '. '.join(h for h in hints if h) or None

    # ------------------------------------------------------------------
    # forward paths
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
            return self.train_logits(
                self._pool(x, self.temporal(x, experts=experts)).mean(dim=1))
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
        return self.test_scores(self._pool(x, h, rho).mean(dim=1), table)

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
        labels, targets = self.targets(data_samples, x.device)
        h_expert = self.temporal(x, experts=experts)
        logits = self.train_logits(self._pool(x, h_expert).mean(dim=1))
        losses = self.accuracies(logits, labels)
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
        losses = dict(loss_wmr=self.loss_wmr(
            self.train_logits(out.mean(dim=1)), targets))
        if self.loss_mse is not None:
            if self.mse_target == 'frame':
                losses['loss_mse'] = self.loss_mse(out, x.float())
            else:
                losses['loss_mse'] = self.loss_mse(
                    out.mean(dim=1), x.float().mean(dim=1))
        return losses
