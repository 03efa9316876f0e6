"""Errors the domain raises; views, the API and commands turn them into messages."""


class ApplicationError(Exception):
    """A rule of the domain was broken; the message is for an organiser to act on."""

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
