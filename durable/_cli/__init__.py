"""The ``durable`` command line: ``workflow ...`` commands over the HTTP API, and ``dev``."""
