"""The asyncio driver of the sans-IO rules: ``protocol`` (the connection's
``asyncio.Protocol``: parser feeding, flow control, the reuse decision), ``sender``
(request bodies onto the transport), ``receive_into`` (a body straight into the
caller's buffer), ``heap`` (the one-time malloc hint)."""
