"""Publishers for tests: the edge of the process, standing in for the Meta integration."""

from campusvoice.campaigns.publishing import Published, PublishPermanentError, PublishTemporaryError

SENT: list[int] = []


class RecordingPublisher:
    def publish(self, item):
        SENT.append(item.pk)
        return Published(platform_id=f"448242228374517_{item.pk}")


class RefusingPublisher:
    def publish(self, item):
        raise PublishPermanentError("Ad account disabled")


class FlakyPublisher:
    def publish(self, item):
        raise PublishTemporaryError("rate limited")
