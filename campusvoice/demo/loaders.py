"""The apps' demo loaders, in the order `campusvoice demo load` runs them.

Each module defines `load(*, stdout)` and adds that app's demo rows; later loaders may use what
earlier ones made (campaigns need campuses). A module that does not exist yet is skipped with a
warning, so the demo keeps loading while an app is being written.
"""

LOADERS = [
    "campusvoice.campuses.demo",
    "campusvoice.campaigns.demo",
    "campusvoice.conversations.demo",
    "campusvoice.integrations.meta.demo",
    "campusvoice.supporters.demo",
    "campusvoice.petitions.demo",
    "campusvoice.outreach.demo",
    # Last: the dashboard's summary is built from everything above.
    "campusvoice.analytics.demo",
]
