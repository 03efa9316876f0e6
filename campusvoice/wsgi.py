import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campusvoice.settings")
# /p/ (the public petition, signing and story pages) through a handler with the eight middlewares
# those pages need instead of fifteen (campusvoice/ops/public_handler.py).
_everything = get_wsgi_application()
from campusvoice.ops.public_handler import PublicPagesHandler, dispatching  # noqa: E402 - after setup

application = dispatching(_everything, PublicPagesHandler())

# Import every view now (Django would on the first request), then move everything loaded so far
# out of the garbage collector's sight. A worker holds ~240,000 objects of Django, its apps and
# the libraries they import; each full collection walked them all, 100-470 ms (idle to busy)
# about every tenth dashboard request, which was the dashboard's whole p95 tail. Frozen objects
# are never freed, which is right for modules and classes that live as long as the process.
get_resolver().url_patterns  # noqa: B018 - imported for its side effect: loading the views
gc.freeze()
