"""Entry points in the places people already work: ``slack``, the Slack app. Each parses its
channel's requests at the edge, finds the Tacit user behind them, and calls the same domain
functions as the API and the web page."""
