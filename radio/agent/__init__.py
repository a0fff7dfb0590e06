"""The station agent: a small player at the commune that syncs ahead, airs on time
offline and reports what it aired by itself.

It talks to the server only over the public HTTP API, with the station's device token;
its modules use neither Flask nor the server's database, so a commune PC runs no server
parts (tests/test_architecture.py keeps it so).
"""
