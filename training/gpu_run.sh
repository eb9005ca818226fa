#!/usr/bin/env bash
# One-shot GPU training run (used for spgd-prior-v1 on one NVIDIA H200 through the
# device tool; carry training/data/pack).  Usage: OUT=dir SECONDS_BUDGET=450 bash training/gpu_run.sh
# Writes ema.npz model.npz opt_m.npz opt_v.npz meta.json loss.csv train_log.txt ort_check.txt to $OUT.
set -u
OUT="${OUT:-training/runs/v1}"
SECS="${SECONDS_BUDGET:-450}"
PY="${PY:-python3}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
"$PY" -c "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__, 'cuda', torch.cuda.is_available())"
"$PY" training/train.py --pack training/data/pack/pack.npz --out "$OUT" --seconds "$SECS" ${TRAIN_ARGS:-}
rc=$?
echo "train.py exit $rc"
# best-effort ONNX export + onnxruntime comparison on this machine (the shipped ONNX is
# exported again with torch 1.13 on the dev box; see training/README.md)
( timeout 120 "$PY" training/export_onnx.py --weights "$OUT/ema.npz" --meta "$OUT/meta.json" \
    --out /tmp/spgd-prior-check.onnx --ref /tmp/spgd-ref 2>&1 | grep -v -i warn | tail -8 ;
  timeout 120 "$PY" training/check_onnx.py /tmp/spgd-prior-check.onnx /tmp/spgd-ref 2>&1 | tail -4 ) > "$OUT/ort_check.txt" 2>&1
cat "$OUT/ort_check.txt"
ls -la "$OUT"
exit $rc
