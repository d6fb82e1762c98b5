#!/bin/sh
# The /dev/liveupdate uAPI within one boot (kselftest harness).
liveupdate
