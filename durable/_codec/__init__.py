"""Payload codecs at every boundary: what is a payload where, and the codec run over it.

A :class:`~durable.converter.PayloadCodec` (encryption, compression) runs where user code
runs, never in the sandboxed workflow code: in the client process (:mod:`.transport`),
and in the orchestrator and the activity worker (:mod:`.engine`). What is stored and sent
(DynamoDB items, SQS bodies, S3 objects) is encoded; what user code sees is decoded.
"""
