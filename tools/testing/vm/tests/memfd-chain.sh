#!/bin/sh
# The same memfds through 3 kexecs: each stage retrieves, checks,
# finishes and preserves them again in new sessions. See memfd_chain.c.
. /tests/lib.sh
last=4
memfd_chain "$1" $last || exit 1
if [ "$1" -lt $last ]; then
	lu_kexec $(($1 + 1))
	exit 1
fi
lu_boots $last
