"""console-socket.py SOCKET: play the engine's side of `--console-socket`.

Listen on the unix socket SOCKET, receive the pty master the runtime sends (SCM_RIGHTS), and
print one line: the message that came with it (the pty's name), a space, then everything the
container wrote to its terminal until the program exits (the slave side closes: EIO)."""
import os
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(60)  # a runtime that never connects must not hang the test (it waits for this process)
c, _ = s.accept()
c.settimeout(None)
msg, fds, _, _ = socket.recv_fds(c, 1024, 1)
out = b""
while True:
    try:
        chunk = os.read(fds[0], 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
print(msg.decode(), out.decode().strip())
