"""Data conversion as temporalio's ``temporalio.converter``: values to payloads and back.

One module per part: the payload value (:mod:`.payload`), its stored text form
(:mod:`.stored`), payload converters (:mod:`.payload_converter`, :mod:`.json_plain`),
codecs (:mod:`.codec`), failure converters (:mod:`.failure_converter`) and the data
converter that holds them (:mod:`.data_converter`). ``durable.converter`` re-exports them.
"""
