# SPDX-License-Identifier: MIT
# make bench: kmscast against FFmpeg's kmsgrab pipeline on 1920x1080.
# timeout: 3000
. tests/vm/bench/lib.sh
bench_run 1920x1080 30 60 1
