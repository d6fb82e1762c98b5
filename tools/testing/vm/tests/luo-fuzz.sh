#!/bin/sh
# The uAPI fuzzer across kexecs (see luo-fuzz.c): each stage runs
# lu.ops random operations from seed lu.seed, checked against a model;
# the model goes to the next kernel in a preserved memfd, which checks
# every session and byte it lists, then runs its own operations.
# lu.stages boots in all (default 3).
. /tests/lib.sh
seed=$(lu_arg lu.seed)
ops=$(lu_arg lu.ops)
stages=$(lu_arg lu.stages)
seed=${seed:-1} ops=${ops:-20000} stages=${stages:-3}
if [ "$1" -lt "$stages" ]; then
	luo-fuzz --seed "$seed" --ops "$ops" --stage "$1" --hold || exit 1
	lu_kexec $(($1 + 1))
	exit 1
fi
luo-fuzz --seed "$seed" --ops "$ops" --stage "$1" || exit 1
lu_boots "$stages"
