"""The forward protocol's plumbing for in_forward and out_forward: one
server connection per peer (connection.py) and the client side: connect,
``<security>`` handshake, send, ack (client.py)."""
