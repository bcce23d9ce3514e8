# Copyright (c) OpenMMLab. All rights reserved.
from mmaction.registry import HOOKS
from mmengine.dataset import DefaultSampler
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from .seeded_sampler import MoTESeededSampler


@HOOKS.register_module()
class MoTEResumeHook(Hook):
    """Make a resumed epoch-based run continue where the checkpoint was
    taken, with the uninterrupted run's data order.

    MMEngine's resume restores ``runner.iter`` and ``runner.epoch`` but not
    the data stream:

    * an iteration checkpoint (``CheckpointHook(by_epoch=False)``) saves
      ``epoch`` = the epoch in progress and ``iter`` = the iterations done,
      and ``EpochBasedTrainLoop`` then runs that epoch from its first batch:
      the batches done before the checkpoint are trained on twice and the
      run ends with more iterations than ``max_iters``. Here the sampler
      starts the epoch after them (:meth:`MoTESeededSampler.set_start`), so
      only the remaining ``len(train_dataloader) - done`` iterations run;
      the iteration counter, the iteration-based LR schedule and the
      checkpoints then match the uninterrupted run.
    * the train dataloader is built before the checkpoint is loaded, so its
      sampler has the seed of the new process, while ``Runner.resume``
      re-seeds the run with the checkpoint's seed afterwards. Without a
      fixed ``randomness.seed`` (the default of ``tools/train.py``) the
      resumed epochs would be shuffled differently. Here a
      ``DefaultSampler``'s seed is set again from the run's seed.

    It warns when a resumed run cannot be exact because its augmentation
    draws come from the dataloader workers' streams: a sampler other than
    :class:`MoTESeededSampler` with ``persistent_workers`` (the resumed
    run's fresh workers repeat the draws of the first epoch). It also
    warns when training resumes inside a gradient-accumulation
    window (``optim_wrapper.accumulative_counts``): checkpoints hold no
    gradients, so the micro-batches of that window done before the
    checkpoint are lost and the first update averages fewer of them.

    In the resumed epoch ``batch_idx`` (and the logger's ``[i/n]``) counts
    the remaining iterations from 0. Iteration-based loops
    (``IterBasedTrainLoop`` skips its batches itself) are left alone.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        if not isinstance(runner.train_loop, EpochBasedTrainLoop):
            return
        dataloader = runner.train_dataloader
        sampler = getattr(dataloader, 'sampler', None)
        if isinstance(sampler, DefaultSampler):
            self._sync_seed(runner, sampler)
        if runner.iter > 0:
            self._check_worker_streams(runner, dataloader, sampler)
        per_epoch = len(dataloader)
        done = runner.iter - runner.epoch * per_epoch
        if done == 0:
            return
        self._check_accumulation(runner)
        if not 0 < done <= per_epoch:
            raise ValueError(
                f'the resumed checkpoint is at iteration {runner.iter} of '
                f'epoch {runner.epoch + 1}, which does not fit '
                f'{per_epoch} iterations per epoch: the dataset, batch size '
                'or number of GPUs differs from the run that saved it')
        if not hasattr(sampler, 'set_start') or \
                getattr(dataloader, 'batch_size', None) is None:
            runner.logger.warning(
                f'resumed after {done} of the {per_epoch} iterations of '
                f'epoch {runner.epoch + 1}, but the sampler '
                f'({type(sampler).__name__}) cannot start mid-epoch: those '
                f'{done} iterations run again. Use '
                "train_dataloader.sampler=dict(type='MoTESeededSampler').")
            return
        # the last batch of an epoch may be short (drop_last=False)
        sampler.set_start(runner.epoch,
                          min(done * dataloader.batch_size, len(sampler)))
        runner.logger.info(
            f'resumed after {done} of the {per_epoch} iterations of epoch '
            f'{runner.epoch + 1}: it runs the remaining {per_epoch - done}')

    @staticmethod
    def _sync_seed(runner, sampler: DefaultSampler) -> None:
        # MMEngine gives the sampler the run's seed (the same on every
        # rank) unless diff_rank_seed, where runner.seed is seed + rank.
        diff_rank = (runner.cfg.get('randomness') or {}).get(
            'diff_rank_seed', False)
        seed = runner.seed - (get_rank() if diff_rank else 0)
        if sampler.seed != seed:
            runner.logger.info(
                f'train sampler seed {sampler.seed} -> {seed} (the run '
                'seed, restored from the checkpoint)')
            sampler.seed = seed

    @staticmethod
    def _check_worker_streams(runner, dataloader, sampler) -> None:
        if isinstance(sampler, MoTESeededSampler) or not (
                getattr(dataloader, 'persistent_workers', False)
                and getattr(dataloader, 'num_workers', 0) > 0):
            return
        runner.logger.warning(
            f'resumed at iteration {runner.iter} with '
            f'{type(sampler).__name__} and persistent dataloader workers: '
            'random augmentation is drawn from the workers\' own streams, '
            'which restart with the new workers, so the resumed run is not '
            'exact (it differs from an uninterrupted one). For an exact '
            "resume use train_dataloader.sampler=dict(type='"
            "MoTESeededSampler') (docs/reliability.md, \"Exact resume\").")

    @staticmethod
    def _check_accumulation(runner) -> None:
        counts = getattr(runner.optim_wrapper, '_accumulative_counts', 1)
        inside = runner.iter % counts
        if inside:
            runner.logger.warning(
                f'resumed at iteration {runner.iter}, {inside} micro-batches '
                f'into a gradient-accumulation window of {counts} '
                '(optim_wrapper.accumulative_counts): their gradients were '
                'not checkpointed, so the next update averages '
                f'{counts - inside} micro-batches and the run is not exact. '
                f'Save checkpoints at multiples of {counts} iterations '
                '(an epoch checkpoint is one when len(train_dataloader) is '
                f'a multiple of {counts}).')
