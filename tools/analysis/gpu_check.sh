#!/usr/bin/env bash
# GPU checks of issue 6, on one GPU with the project's environment already
# installed (nothing is downloaded). About 5-7 minutes on one H100.
#   bash tools/analysis/gpu_check.sh        # JSON under $OUT or work_dirs/gpu_check
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}
OUT=${OUT:-work_dirs/gpu_check}
mkdir -p "$OUT"
B="$PY tools/analysis/benchmark.py configs/mote/k400.py --device cuda --amp-dtype bfloat16"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"

# training step, k400.py batch (24 per GPU), with and without checkpointing
$B --mode train --batch 24 --grad-ckpt on  --warmup 3 --iters 10 --repeats 3 --json "$OUT/train_b24_ckpt.json"
$B --mode train --batch 24 --grad-ckpt off --warmup 3 --iters 10 --repeats 3 --json "$OUT/train_b24_nockpt.json"
# larger batch for throughput (memory permitting)
$B --mode train --batch 64 --grad-ckpt on  --warmup 2 --iters 5 --repeats 3 --json "$OUT/train_b64_ckpt.json" || true
# inference: merged vs unmerged vs deploy vs TFM-600, 1 view and 4x3 views
$B --mode infer --batch 64 --views 1 --compare --tfm-classes 600 --warmup 3 --iters 10 --repeats 3 --json "$OUT/infer_b64.json"
$B --mode infer --batch 8 --views 12 --compare --tfm-classes 600 --warmup 3 --iters 10 --repeats 3 --json "$OUT/infer_b8x12.json"
$B --mode infer --batch 64 --views 1 --compile --warmup 3 --iters 10 --repeats 3 --json "$OUT/infer_b64_compile.json" || true
# data pipelines, one CPU worker
$PY tools/analysis/benchmark.py configs/mote/k400.py --mode data --clips 8 --repeats 2 --json "$OUT/data.json"

# a short real training run of the tiny config with AMP on the GPU
$PY tools/run_embedded_default.py --work-dir "$OUT/tiny_amp" --data-root "$OUT/tiny_data" --epochs 3 \
    --train-videos 16 --test-videos 4 > "$OUT/tiny_plain.log" 2>&1 || true
$PY tools/train.py configs/mote/demo_tiny_motion.py --amp --work-dir "$OUT/tiny_train_amp" \
    --cfg-options train_cfg.max_epochs=3 train_cfg.val_interval=3 param_scheduler.1.end=3 param_scheduler.1.T_max=2 \
    data_root="$OUT/tiny_data" train_dataloader.dataset.ann_file="$OUT/tiny_data/train.txt" \
    train_dataloader.dataset.data_prefix.video="$OUT/tiny_data" \
    train_dataloader.dataset.class_names="$OUT/tiny_data/train_classes.txt" \
    val_dataloader.dataset.ann_file="$OUT/tiny_data/val.txt" \
    val_dataloader.dataset.data_prefix.video="$OUT/tiny_data" \
    val_dataloader.dataset.class_names="$OUT/tiny_data/train_classes.txt" \
    model.cls_head.class_names="$OUT/tiny_data/train_classes.txt" \
    custom_hooks="[dict(type='MoTEVocabularyHook'),dict(type='MoTENaNGuardHook')]" \
    > "$OUT/tiny_train_amp.log" 2>&1
grep -h "Epoch(val)" "$OUT"/tiny_train_amp/*/*.log | tail -1
echo "gpu_check done: $OUT"
