"""The front page. Each app owns its own pages; this one only routes people to them."""

from django.shortcuts import render

from campusvoice.accounts.access import requires


@requires("dashboard.view")
def home(request):
    return render(request, "home.html")
