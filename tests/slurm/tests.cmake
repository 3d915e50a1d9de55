# Issue 14 on a real one-node Slurm (label `slurm`): skips with a message where munged/slurmctld/slurmd
# cannot start (not root, packages missing: scripts/setup.sh --tests installs them). About 1 min here:
# a 4-shard study and a two-partition (--device-from-partition) submission.
qbench_add_test(slurm_test NEEDS_CLI LABELS slurm SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/slurm_test.cc
)
