"""factory_boy factories for channels, posts, comments, reply templates and outbox actions."""

import datetime as dt

import factory
from django.utils import timezone

from campusvoice.conversations.models import Channel, Comment, OutboxAction, Post, ReplyTemplate


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("kind", "platform_id")

    kind = Channel.Kind.FACEBOOK_PAGE
    platform_id = factory.Sequence(lambda n: f"44824222837{n:04d}")
    name = factory.Sequence(lambda n: f"Campus Page {n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    channel = factory.SubFactory(ChannelFactory)
    platform_id = factory.LazyAttributeSequence(lambda o, n: f"{o.channel.platform_id}_12213167{n:06d}")
    message = "Do you know where to get help on campus?"
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    channel = factory.SelfAttribute("post.channel")
    platform_id = factory.Sequence(lambda n: f"122131676912594941_{1213590066982748 + n}")
    author_platform_id = factory.Sequence(lambda n: f"61200000{n:05d}")
    author_name = "Test Commenter"
    text = "Thank you for posting this."
    created_time = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    last_event_time = factory.SelfAttribute("created_time")


class ReplyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReplyTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    kind = ReplyTemplate.Kind.GENERAL
    language = "en"
    body = "Thank you for your comment."


class OutboxActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxAction

    comment = factory.SubFactory(CommentFactory)
    kind = OutboxAction.Kind.REPLY
    text = "Thank you for sharing. We are here to listen."
