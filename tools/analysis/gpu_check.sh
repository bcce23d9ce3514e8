#!/usr/bin/env bash
# Copyright (c) OpenMMLab. All rights reserved.
#
# GPU checks of the performance targets in docs/benchmark.md, on one GPU with
# the project's environment already installed (nothing is downloaded or
# installed). Every step is time-boxed and the whole run stays under
# BUDGET_S (default 450 s, i.e. under 8 minutes on one H100 including Python
# start-up); steps that no longer fit are skipped and listed at the end.
#
#   bash tools/analysis/gpu_check.sh   # results: $OUT, else work_dirs/gpu_check
#
# Steps (ViT-B/16 8x224, configs/mote/k400.py, bf16, random weights):
#   train_ckpt / train_nockpt   train step with / without grad checkpointing,
#                               backbone-vs-head breakdown, sync audit
#   infer_compare               merged (4 experts, every forward) vs deploy vs
#                               TFM-600 vs 600 classes without TFM
#   tiny_amp                    real training run of the tiny config with
#                               tools/train.py --amp on generated clips
#   train_lossscale_off         bf16 without GradScaler (its cost)
#   train_host_inputs           batches copied from the host each step
#   train_compile, infer_compile  torch.compile of the visual tower
#   summary                     targets table (summary.json)
#
# The same steps on CPU with tiny settings (a smoke test of this script):
#   DEVICE=cpu CONFIG=configs/mote/demo_tiny_motion.py AMP=none \
#     EXTRA="--num-classes 5" TRAIN_BATCH=2 INFER_BATCH=1 VIEWS=2 \
#     WARMUP=1 ITERS=1 REPEATS=2 TINY_AMP= TINY_EPOCHS=1 TINY_VIDEOS=2 \
#     SKIP="train_compile infer_compile" bash tools/analysis/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

if [ -n "${PYTHON:-}" ]; then
    PY=$PYTHON
elif [ -x .venv/bin/python ]; then
    PY=.venv/bin/python
else
    PY=python
fi
OUT_DIR=${OUT:-work_dirs/gpu_check}
DEVICE=${DEVICE:-cuda}
CONFIG=${CONFIG:-configs/mote/k400.py}
AMP=${AMP:-bfloat16}
TRAIN_BATCH=${TRAIN_BATCH:-24}
INFER_BATCH=${INFER_BATCH:-8}
VIEWS=${VIEWS:-12}
TFM_CLASSES=${TFM_CLASSES:-600}
WARMUP=${WARMUP:-3}
ITERS=${ITERS:-10}
REPEATS=${REPEATS:-5}
EXTRA=${EXTRA:-}
TINY_AMP=${TINY_AMP---amp}  # empty on CPU: AmpOptimWrapper needs a GPU
TINY_EPOCHS=${TINY_EPOCHS:-3}
TINY_VIDEOS=${TINY_VIDEOS:-40}
TINY_WORK=${TINY_WORK:-work_dirs/gpu_check_tiny}
BUDGET_S=${BUDGET_S:-450}
SKIP=${SKIP:-}
export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}"

mkdir -p "$OUT_DIR/logs"
STATUS=()
BENCH="$PY tools/analysis/benchmark.py $CONFIG --device $DEVICE \
--amp-dtype $AMP --warmup $WARMUP --iters $ITERS --repeats $REPEATS $EXTRA"

# step NAME LIMIT_S COMMAND...: run with a time limit, log, keep going.
step() {
    local name=$1 limit=$2
    shift 2
    case " $SKIP " in *" $name "*)
        STATUS+=("$name: skipped (SKIP)"); return 0 ;;
    esac
    local left=$((BUDGET_S - SECONDS))
    if [ "$left" -lt 30 ]; then
        STATUS+=("$name: skipped (budget of ${BUDGET_S}s used)")
        return 0
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    echo "=== $name (limit ${limit}s; ${SECONDS}s of ${BUDGET_S}s used)"
    local t0=$SECONDS
    timeout --kill-after=10 "$limit" "$@" > "$OUT_DIR/logs/$name.log" 2>&1
    local rc=$?
    # the result table (lines from the first '== ') or the log's tail
    if grep -q '^== ' "$OUT_DIR/logs/$name.log"; then
        sed -n '/^== /,$p' "$OUT_DIR/logs/$name.log"
    else
        tail -n 15 "$OUT_DIR/logs/$name.log"
    fi
    local what="ok"
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && what="TIMED OUT"
    [ $rc -ne 0 ] && [ "$what" = ok ] && what="FAILED (rc $rc)"
    STATUS+=("$name: $what in $((SECONDS - t0))s")
    return 0
}

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
    command -v nvidia-smi > /dev/null && nvidia-smi \
        --query-gpu=name,memory.total,driver_version,clocks.max.sm \
        --format=csv
    $PY -c "import torch; print('torch', torch.__version__, 'cuda', \
torch.version.cuda, 'available', torch.cuda.is_available())"
} > "$OUT_DIR/env.txt" 2>&1
cat "$OUT_DIR/env.txt"

step train_ckpt 100 $BENCH --mode train --batch "$TRAIN_BATCH" \
    --grad-ckpt on --json "$OUT_DIR/train_ckpt.json"
step train_nockpt 90 $BENCH --mode train --batch "$TRAIN_BATCH" \
    --grad-ckpt off --json "$OUT_DIR/train_nockpt.json"
step infer_compare 120 $BENCH --mode infer --batch "$INFER_BATCH" \
    --views "$VIEWS" --compare --tfm-classes "$TFM_CLASSES" \
    --json "$OUT_DIR/infer_compare.json"

# A real (short) training run of the tiny config with AMP on generated
# clips: data under TINY_WORK, the config re-rooted there.
tiny_amp() {
    local data="$TINY_WORK/data" cfg="$TINY_WORK/demo_tiny_motion_bench.py"
    $PY - "$data" "$cfg" "$TINY_VIDEOS" <<'EOF' || return 1
import sys
from mmengine.config import Config
import mote_mmaction  # noqa: F401
from mote_mmaction.toolkit.demo.motion_demo import make_motion_demo
root, out, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3])
cfg = Config.fromfile('configs/mote/demo_tiny_motion.py')
# the demo's clips and tiny CLIP (a short pre-training: speed, not accuracy)
make_motion_demo(root, cfg.model.backbone.arch.to_dict(),
                 train_videos=per_class, test_videos=max(per_class // 5, 1),
                 pretrain_steps=20)
old = cfg.data_root


def reroot(node):
    if isinstance(node, str):
        return root + node[len(old):] if node.startswith(old) else node
    if isinstance(node, dict):
        return {k: reroot(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(reroot(v) for v in node)
    return node


Config(reroot(cfg.to_dict())).dump(out)
print('tiny data and config:', root, out)
EOF
    # shellcheck disable=SC2086
    $PY tools/train.py "$cfg" $TINY_AMP --work-dir "$TINY_WORK/run" \
        --cfg-options train_cfg.max_epochs="$TINY_EPOCHS" \
        train_cfg.val_begin=1 train_cfg.val_interval="$TINY_EPOCHS" \
        default_hooks.checkpoint.interval="$TINY_EPOCHS" || return 1
    $PY - "$TINY_WORK/run" "$OUT_DIR/tiny_amp.json" "$TINY_AMP" <<'EOF'
import glob, json, math, os, sys
run, out, amp = sys.argv[1], sys.argv[2], sys.argv[3]
scalars = sorted(glob.glob(os.path.join(run, '*', 'vis_data',
                                        'scalars.json')))
rows = [json.loads(ln) for ln in open(scalars[-1])] if scalars else []
train = [r for r in rows if 'loss' in r]
val = [r for r in rows if any(k.startswith('acc/') for k in r)]
res = dict(mode='tiny_train', amp=bool(amp), iterations=len(train),
           first_loss=train[0]['loss'] if train else None,
           last_loss=train[-1]['loss'] if train else None,
           losses_finite=all(math.isfinite(r['loss']) for r in train),
           last_val=val[-1] if val else None)
json.dump(res, open(out, 'w'), indent=2)
print('==', json.dumps(res))
sys.exit(0 if train and res['losses_finite'] else 1)
EOF
}
export PY OUT_DIR TINY_WORK TINY_VIDEOS TINY_AMP TINY_EPOCHS
export -f tiny_amp
step tiny_amp 120 bash -c tiny_amp

step train_lossscale_off 60 $BENCH --mode train --batch "$TRAIN_BATCH" \
    --loss-scale off --no-breakdown --json "$OUT_DIR/train_lossscale_off.json"
step train_host_inputs 60 $BENCH --mode train --batch "$TRAIN_BATCH" \
    --host-inputs --no-breakdown --sync-check on \
    --json "$OUT_DIR/train_host_inputs.json"
step train_compile 150 $BENCH --mode train --batch "$TRAIN_BATCH" \
    --compile --no-breakdown --json "$OUT_DIR/train_compile.json"
step infer_compile 120 $BENCH --mode infer --batch "$INFER_BATCH" \
    --views "$VIEWS" --compile --json "$OUT_DIR/infer_compile.json"

# GPU decoding (configs/mote/k400_gpu_decode.py): the preprocessor's CUDA
# test, then decode + views of one 4x3 test sample (340x256, keyframe
# every 250 frames), timed on the GPU.
gpu_decode() {
    $PY -m pytest -q -p no:cacheprovider \
        tests/models/data_preprocessors/test_gpu_decode_preprocessor.py \
        -k cuda || return 1
    $PY - "$OUT_DIR/gpu_decode.json" <<'EOF'
import json, sys, tempfile, time
import torch
sys.path.insert(0, 'tests')
import mote_mmaction  # noqa: F401
from mmaction.utils import register_all_modules
from mmaction.registry import MODELS, TRANSFORMS
from mmcv.transforms import Compose
from mmengine.config import Config
from _compressed_videos import write_pan_h264
register_all_modules()
cfg = Config.fromfile('configs/mote/k400_gpu_decode.py')
path = tempfile.mktemp(suffix='.mp4')
write_pan_h264(path, num_frames=300, size=(340, 256), keyint=250)
pipe = Compose([TRANSFORMS.build(t) for t in cfg.test_pipeline])
pre = MODELS.build(cfg.model.data_preprocessor).cuda()
packed = pipe(dict(filename=path, start_index=0, modality='RGB', label=0))
meta = packed['data_samples'].metainfo
for _ in range(3):
    pre.decode_views(packed['inputs'], meta)
torch.cuda.synchronize()
n, t0 = 20, time.perf_counter()
for _ in range(n):
    pre.decode_views(packed['inputs'], meta)
torch.cuda.synchronize()
dt = (time.perf_counter() - t0) / n
res = dict(mode='gpu_decode', views_per_s=12 / dt, videos_per_s=1 / dt)
json.dump(res, open(sys.argv[1], 'w'), indent=2)
print('==', json.dumps(res))
EOF
}
export -f gpu_decode
step gpu_decode 90 bash -c gpu_decode

# shellcheck disable=SC2086
$PY tools/analysis/benchmark.py --mode summary --inputs "$OUT_DIR"/*.json \
    --json "$OUT_DIR/summary.json" 2> /dev/null | tee "$OUT_DIR/summary.txt"
echo "=== steps"
printf '  %s\n' "${STATUS[@]+"${STATUS[@]}"}" | tee "$OUT_DIR/steps.txt"
echo "gpu_check: ${SECONDS}s, results in $OUT_DIR"
