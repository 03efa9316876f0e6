from django.http import HttpResponse

from campusvoice.accounts.access import requires


@requires("campuses.view")
def campus_list(request):
    return HttpResponse("campuses")


@requires("campuses.edit")
def priority(request):
    return HttpResponse("priority")


@requires("campuses.import")
def campus_import(request):
    return HttpResponse("import")
