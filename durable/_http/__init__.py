"""The HTTP API: what API Gateway (and the dev server) serve, and the client that speaks it.

``wire``: the API's JSON shapes of the engine's values (times, failures, events);
``models``: the pydantic request and response bodies; ``app``: the powertools resolver
with every route; ``remote``: a client transport over HTTP; ``devserver``: the resolver
behind a local HTTP server, on the embedded engine.
"""
