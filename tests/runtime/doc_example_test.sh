#!/usr/bin/env bash
# Trains cifar_strided briefly on coloured MNIST, then runs the documented inference example on
# one PNG file of each of two test classes and checks what it prints.
# Usage: doc_example_test.sh TRAINER EXAMPLE DATA_DIR WORK_DIR [TRAINING_IMAGES (3000)]
set -euo pipefail
trainer=$1 example=$2 data=$3 work=$4 limit=${5:-3000}
[[ -d "$data/test/3" ]] || { echo "$data missing: run scripts/fetch-data --colour" >&2; exit 1; }
rm -rf "$work"
"$trainer" --data "$data" --out "$work" --limit "$limit" --validation 0 --epochs 2 --test-limit 200 \
  --threads 2 --quiet
# The first file by name (a glob sorts; `ls | head` could die of SIGPIPE under pipefail).
files=("$data"/test/3/*.png)
image=$(basename "${files[0]}")
output=$("$example" "$work/weights.safetensors" "$data/test/3/$image")
echo "$output"
grep -q "^$data/test/3/$image: class [0-9a-z]* (p = 0\.[0-9]*)$" <<<"$output"
[[ $(grep -c '^  ' <<<"$output") == 10 ]]
# A file that is not an image: a clear message and exit status 1.
if "$example" "$work/weights.safetensors" "$work/history.csv" 2>"$work/err"; then exit 1; fi
grep -q "history.csv" "$work/err"
