"""A payload codec that encrypts with data keys from AWS KMS (envelope encryption).

    from durable.converter import DataConverter
    from samples.kms_encryption import KMSEncryptionCodec

    DATA_CONVERTER = DataConverter(payload_codec=KMSEncryptionCodec("alias/payloads"))

Give the same data converter to the client (``Client.connect(..., data_converter=)``) and
to the deployment (``DATA_CONVERTER`` in ``statemachines/registry.py``), and grant the
functions and the client ``kms:GenerateDataKey`` and ``kms:Decrypt`` on the key.
"""

from samples.kms_encryption.codec import KMSEncryptionCodec

__all__ = ["KMSEncryptionCodec"]
