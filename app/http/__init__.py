"""What every HTTP surface (``app.api``, ``app.web``) shares: request dependencies,
problem+json, admission control, and the presenters that turn domain results into schemas."""
