"""The base of every error that means "the input, the configuration or the data is not usable".

Such an error is the user's to fix, so the CLI prints its message on one line and exits 1, and
the API answers it with a 4xx; anything else is a defect and keeps its traceback. It lives here
because this package is the one every layer (models, store, pipelines, service) may import.
"""

from __future__ import annotations


class TopicPulseError(Exception):
    """A failure the user can act on; its message says what to do."""
