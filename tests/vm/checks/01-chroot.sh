# needs: box-chroot
# Stage 01's integration test, unchanged, on the v2-only guest kernel.
exec bash "$BOX_SRC/tests/integration/01-chroot.sh"
