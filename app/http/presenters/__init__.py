"""Domain results as response schemas, for the API and the web pages alike.

Schemas are plain models that import nothing from the domain (STYLE.md); the conversion from a
domain value (a ``Brief``, a ``Contribution``, a queue item) to its schema lives here, one
module per domain, so both HTTP surfaces render a thing the same way."""
