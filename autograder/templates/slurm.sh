#!/bin/bash
# Grade __ASSIGNMENT__ of the course in __COURSE__ as a Slurm job array of __SHARDS__ shards, then
# merge the shards into graded/__ASSIGNMENT__/ (written by `nncourse jobs __ASSIGNMENT__ --slurm`).
#
#   bash THIS_FILE            submit the array, and the merge to run after every shard succeeded
#   sbatch THIS_FILE          the array alone; then `bash THIS_FILE merge` (on any node with the course)
#
# Rerunning a shard (sbatch --array=K THIS_FILE) grades only what changed in it.
# Before the first batch, check the sandbox on a compute node:
#   srun python -c "from nncourse.autograder.sandbox import describe_isolation as d; print(*d().items(), sep='\n')"
#
#SBATCH --job-name=nncourse-__ASSIGNMENT__
#SBATCH --array=0-__LAST__
#SBATCH --cpus-per-task=__JOBS__
#SBATCH --mem-per-cpu=2G
#SBATCH --time=01:00:00
#SBATCH --output=slurm-nncourse-__ASSIGNMENT__-%A_%a.out
set -euo pipefail

COURSE=__COURSE__
ASSIGNMENT=__ASSIGNMENT__
SHARDS=__SHARDS__
NNCOURSE=${NNCOURSE:-nncourse}
GRADED="$COURSE/graded/$ASSIGNMENT"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1  # one BLAS thread per grading worker

if [[ -n "${SLURM_ARRAY_TASK_ID:-}" ]]; then
    # One task of the array: one shard, into its own folder.
    exec "$NNCOURSE" grade-all "$ASSIGNMENT" --course "$COURSE" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
        --jobs "${SLURM_CPUS_PER_TASK:-__JOBS__}" --out "$GRADED/shard-$SLURM_ARRAY_TASK_ID-of-$SHARDS" --quiet
fi

if [[ "${1:-}" == merge ]]; then
    # After every shard: one grades.csv, the feedback folder (and the gradebook) in graded/ASSIGNMENT.
    exec "$NNCOURSE" merge "$GRADED"/shard-*-of-"$SHARDS" --course "$COURSE" --out "$GRADED"__GRADEBOOK__
fi

array=$(sbatch --parsable "$0")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --job-name="nncourse-$ASSIGNMENT-merge" \
    --time=00:30:00 --mem=2G --output="slurm-nncourse-$ASSIGNMENT-merge-%j.out" \
    --wrap "bash $(printf %q "$(realpath "$0")") merge")
echo "submitted the $SHARDS shards of $ASSIGNMENT as job array $array, and their merge as job ${merge%%;*}"
