"""A mail backend for tests that fails while `FlakyBackend.down` is true (an SMTP outage)."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    down = False

    def send_messages(self, messages):
        if type(self).down:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
