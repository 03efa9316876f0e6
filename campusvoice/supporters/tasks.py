"""Background work for supporters: thin wrappers that load by id and call a service."""

from django.tasks import task


@task
def person_score_update(person_id: int) -> None:
    """Recompute one person's engagement score and ladder step."""
    # Imported here because services.py imports this module to enqueue.
    from campusvoice.supporters import services

    services.person_score_update(person_id=person_id)


@task
def people_scores_update() -> None:
    """Recompute every score (they decay with time); run daily."""
    from campusvoice.supporters import services

    services.people_scores_update()


@task
def person_from_commenter(comment_id: int) -> None:
    """Link an inbox comment's author to a person and record what they did."""
    from campusvoice.conversations.models import Comment
    from campusvoice.supporters import services

    comment = Comment.objects.select_related("channel", "post").filter(pk=comment_id).first()
    if comment is not None:
        services.person_from_commenter(comment=comment)
