#!/bin/sh
# The /init of boxkit's benchmark VM: mount the API filesystems, say the marker, then idle.
# (PID 1 in the guest; the host side, bench/vm-boot.py, waits for the marker.)
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "BOX-VM-READY $(cut -d' ' -f1 /proc/uptime)"
while :; do sleep 3600; done
