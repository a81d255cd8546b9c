"""The local backend kept in one SQLite file: what ``durable dev --db-filename`` runs on.

The same ports as the in-memory twins (:mod:`durable._local.memory`), storing the very
items the DynamoDB adapters write, so the same limits hold; every mutating call is one
committed transaction, so what a call returned survives a kill -9.
"""
