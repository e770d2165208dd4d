"""Inbound email: parsing received messages and fetching them over IMAP and POP3.

No Django models here: `parsing.parse()` turns bytes into a `ParsedMessage`,
`fetching.fetch()` / `fetching.acknowledge()` talk to the server, and `matching` decides what a
message is about. The mailbox models and the poller wire these together.
"""
