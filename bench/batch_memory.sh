#!/usr/bin/env bash
# Peak memory of `resnet-lens-cli batch` as the folder grows: it must stay flat (bounded queues, rows
# streamed to disk). Prints peak RSS for each folder size and the ratio largest/smallest.
# Usage: bench/batch_memory.sh [SIZES...]   (default: 100 500 2000; needs a release build)
# Weights: $WEIGHTS, else a seeded torchvision resnet18 generated with python3-torchvision.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/release/app/resnet-lens-cli
sizes=("${@:-100 500 2000}")
[[ $# -eq 0 ]] && sizes=(100 500 2000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

weights=${WEIGHTS:-}
if [[ -z "$weights" ]]; then
    weights=$work/resnet18.pth
    /usr/bin/python3 -c "import torch, torchvision; torch.manual_seed(0); \
torch.save(torchvision.models.resnet18().state_dict(), '$weights')"
fi

photos=(tests/data/grace_hopper.jpg tests/data/rocket.jpg tests/data/coffee_gray.jpg tests/data/chelsea.png)
printf "%8s %12s %10s\n" files "peak RSS MiB" "img/s"
first=""
for n in "${sizes[@]}"; do
    dir=$work/photos$n
    mkdir -p "$dir"
    for ((i = 0; i < n; i++)); do
        src=${photos[i % ${#photos[@]}]}
        ln -s "$PWD/$src" "$dir/$(printf %06d $i)_$(basename "$src")"
    done
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$work/rss" "$cli" batch "$dir" -o "$work/out$n.csv" --weights "$weights" --quiet \
        || [[ $? -eq 3 ]]
    end=$(date +%s.%N)
    rss=$(( $(cat "$work/rss") / 1024 ))
    printf "%8d %12d %10.1f\n" "$n" "$rss" "$(echo "$n / ($end - $start)" | bc -l)"
    [[ -z "$first" ]] && first=$rss
    last=$rss
done
echo "peak RSS ratio, largest/smallest folder: $(echo "scale=2; $last / $first" | bc)"
