# Copyright (c) OpenMMLab. All rights reserved.
"""A seconds-fast MMEngine run (linear model, in-memory data) for tests of
checkpointing machinery, where the model itself does not matter."""
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        with torch.random.fork_rng():  # the same start in every run
            torch.manual_seed(0)
            self.fc = nn.Linear(4, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=((out - data_samples)**2).mean())
        return out


class ToyData(Dataset):

    def __init__(self, n=8):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 4, generator=g)
        self.y = self.x.sum(1, keepdim=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(inputs=self.x[i], data_samples=self.y[i])


def toy_runner(work_dir, max_epochs=3, resume=False, checkpoint=None,
               **kwargs):
    """A Runner training :class:`ToyModel` (4 iterations per epoch)."""
    checkpoint = checkpoint or dict(type='MoTECheckpointHook', interval=1,
                                    max_keep_ckpts=1)
    return Runner(
        model=ToyModel(),
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=ToyData(), batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=checkpoint,
                           logger=dict(type='LoggerHook', interval=100)),
        default_scope='mmaction',
        randomness=dict(seed=1),
        resume=resume,
        log_level='WARNING',
        **kwargs)


def toy_val_kwargs():
    """val loop arguments for :func:`toy_runner` (metric ``toy/neg_mse``:
    higher is better)."""
    from mmengine.evaluator import BaseMetric

    class NegMSE(BaseMetric):
        default_prefix = 'toy'

        def process(self, data_batch, data_samples):
            pred = torch.stack(list(data_samples))
            self.results.append(float(
                ((pred - data_batch['data_samples'])**2).mean()))

        def compute_metrics(self, results):
            return dict(neg_mse=-sum(results) / len(results))

    return dict(
        val_dataloader=dict(
            dataset=ToyData(), batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')),
        val_cfg=dict(), val_evaluator=[NegMSE()])
