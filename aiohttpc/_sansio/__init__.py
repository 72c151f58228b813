"""The sans-IO layer: the HTTP/1.1 rules with no event loop, socket or thread.

``grammar`` (the field grammar), ``headers``, ``framing`` (what a head says of its body
and connection), ``parser`` (responses, fed bytes), ``serializer`` (request heads and
chunk framing), ``body`` (request body kinds), ``buffer`` and ``reader`` (the body read
rules), ``request_head`` (``http.client``'s request states), ``incoming`` (a connection's
receive side: one stream per response, the reuse rule). Any driver holds these.
"""
