from campusvoice.accounts.access import CAPABILITIES, can

_BY_TEMPLATE_NAME = {capability.replace(".", "_"): capability for capability in CAPABILITIES}


class _Capabilities:
    """`{% if can.campuses_edit %}` in templates; a misspelt name fails loudly."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name):
        try:
            return can(self._user, _BY_TEMPLATE_NAME[name])
        except KeyError:
            raise AttributeError(name) from None


def access(request):
    return {"can": _Capabilities(getattr(request, "user", None))}
