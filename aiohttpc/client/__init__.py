"""The high-level client on top of the ``http.client``-shaped core: ``session``
(``Client``), ``response``, ``pool`` and its pure ``pool_policy``, ``urls``, ``payload``,
``decoding``, ``redirects``, ``ratelimit``, ``tracing``, ``timeouts``, ``crawl``.

Imported on first use of ``aiohttpc.Client`` (and the rest): the core and the blocking
façade do not pay for it.
"""
