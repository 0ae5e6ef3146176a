# Receive sd_notify(3) datagrams the way systemd does: bind a unix datagram
# socket at argv[1], then print each message as one JSON string per line.
# Node has no unix datagram sockets, hence this helper (Debian's python3).
import json
import socket
import sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print(json.dumps("LISTENING"), flush=True)
while True:
    data = sock.recv(65536)
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
