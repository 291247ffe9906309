#!/usr/bin/env bash
# Rebuild models/demo from nothing: the exact sequence of commands that made the shipped package.
#
#   bash uniseg_tools/recipes/demo_phantoms.sh [RUN_DIR]        # default RUN_DIR: .cache/demo-run
#
# About 4 h 15 min of CPU on 2 cores (the gCIS network is most of it); every phase resumes from its
# checkpoint, so the script can be stopped and started again (phases already done are skipped).
# The gCIS run went through five schedules, in this order, because it was fitted into the time of
# working sessions; the phases below replay them with --stop-at so the same seed walks the same
# path: 4000-step schedule to step 400, then 1500 to 502, 1200 to 550, then pathways pinned
# distinct (tasks on one pathway compute one output) on an 1100-step schedule to 600, then liver
# moved onto encoder10 alternative 1 (so every task shares one bottleneck: 4 MB less to ship) and
# the 950-step schedule run to the end. Seeds: training phantoms 0-199, validation 90000-90001,
# run seed 0, text encoder seed 1. models/demo/README.md lists what each phase gave.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
RUN=${1:-.cache/demo-run}
CACHE=$RUN/cache
GCIS=$RUN/gcis
mkdir -p "$RUN"

step_of() { [ -f "$1/summary.json" ] && $PY -c "import json,sys;print(json.load(open(sys.argv[1]))['step'])" "$1/summary.json" || echo 0; }
gcis() { $PY -m uniseg_tools train --cache "$CACHE" --out "$GCIS" "$@"; }

# 1. Text encoder (about 5 min).
[ -f "$RUN/text/onnx/text_model.onnx" ] || $PY -m uniseg_tools text --out "$RUN/text"

# 2. gCIS pathways network on 200 phantoms at 3 mm (the cache is built on first use).
[ "$(step_of "$GCIS")" -ge 400 ] || gcis --steps 4000 --stop-at 400
[ "$(step_of "$GCIS")" -ge 502 ] || gcis --resume --steps 1500 --stop-at 502
[ "$(step_of "$GCIS")" -ge 550 ] || gcis --resume --steps 1200 --stop-at 550
[ "$(step_of "$GCIS")" -ge 600 ] || gcis --resume --steps 1100 --pin-pathways --stop-at 600
[ "$(step_of "$GCIS")" -ge 950 ] || gcis --resume --steps 950 --pin-pathways --pin liver=1,2,1,2,3,1,2
cp "$GCIS/last.pt" "$RUN/gcis-final.pt"

# 2b. The decoder blocks trained on (session 4), with the encoder and encoder10 frozen, so the
#     heads of phase 3 (trained on gcis-final.pt) still read exactly the features they learnt on.
[ "$(step_of "$RUN/gcis-polish")" -ge 1600 ] || $PY -m uniseg_tools train --cache "$CACHE" --out "$RUN/gcis-polish" \
  --init-from "$RUN/gcis-final.pt" --pin-pathways --freeze-bottleneck \
  --steps 1600 --lr 3e-4 --warmup 50 --ema-decay 0.997 --val-every 800

# 3. clNet heads on the frozen gCIS encoder and its encoder10 alternative 1.
[ "$(step_of "$RUN/clnet")" -ge 300 ] || $PY -m uniseg_tools train --mode heads \
  --heads Organs=liver,spleen Kidneys=kidney_left,kidney_right --init-from "$RUN/gcis-final.pt" \
  --shared-bottleneck 1 --init-heads-from-task Organs=liver Kidneys=kidney_left \
  --cache "$CACHE" --out "$RUN/clnet" --steps 300 --warmup 20

# 4. A continual head added later: the left lung (a target no pathway serves), everything else
#    frozen. One target per head: a two-class Lungs head (left 1, right 2) never told the sides
#    apart on this encoder (models/demo/README.md, "How good it is").
[ "$(step_of "$RUN/clnet-leftlung")" -ge 300 ] || $PY -m uniseg_tools train --mode heads \
  --heads Organs=liver,spleen Kidneys=kidney_left,kidney_right LeftLung=lung_left \
  --train-head LeftLung --init-from "$RUN/clnet/last.pt" --init-heads-from-task LeftLung=lungs \
  --cache "$CACHE" --out "$RUN/clnet-leftlung" --steps 300 --warmup 20

# 5. Export (fp16 weights, distilled router, ORT parity per part), then install the continual head
#    the way users do, with `uniseg heads add`.
#    export_demo --force rewrites the directory: keep the package's README across it.
cp models/demo/README.md "$RUN/demo-README.md"
$PY -m uniseg_tools export --ckpt "$RUN/gcis-polish/last.pt" --heads "$RUN/clnet/last.pt" \
  --text "$RUN/text" --min-similarity 0.68 \
  --head-prompt Kidneys=kidneys --head-prompt "Organs=liver and spleen" --out models/demo --force
$PY -m uniseg_tools export-head --heads "$RUN/clnet-leftlung/last.pt" --head LeftLung --package models/demo -o "$RUN/leftlung.onnx"
node bin/uniseg.mjs heads add --model models/demo --name LeftLung --onnx "$RUN/leftlung.onnx" --labels 1=lung_left
rm -f models/demo/model.json.prev
cp "$RUN/demo-README.md" models/demo/README.md
echo "models/demo rebuilt; measure it with: npm run bench -- demo"
