# configs/mote/k400.py with weight averaging: MMEngine's EMAHook keeps an
# exponential moving average of every weight (all experts included); val,
# test, checkpoints and the merged export (mote_merged.pth) use it.
_base_ = ['./k400.py']

custom_hooks = [
    dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')
] + _base_.custom_hooks
