#!/bin/sh
# A chain of three kexecs: stages 1 -> 2 -> 3 -> 4.
. /tests/lib.sh
if [ "$1" -lt 4 ]; then
	lu_kexec $(($1 + 1))
else
	lu_boots 4
fi
