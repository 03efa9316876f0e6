"""Erasure reaches letters: deleting a contact removes their name from letters (a decoupled concern)."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from campusvoice.campuses.models import Contact


@receiver(pre_delete, sender=Contact)
def _contact_deleted(sender, instance, **kwargs):
    from campusvoice.outreach.services.letters import letters_contact_forget

    letters_contact_forget(contact=instance)
