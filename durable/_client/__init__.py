"""The client (temporalio's ``client`` module): the public names are in :mod:`durable.client`.

One job per module: ``client`` (the Client), ``handles`` (workflow, update and async
activity handles), ``executions`` (what describe, list and history return), ``errors``,
``schedules`` (schedule values and their handle), ``transport`` (the contract a
transport implements: in process or over HTTP).
"""
