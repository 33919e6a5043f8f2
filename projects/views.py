from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from lotix.errors import DomainError
from projects import selectors, services
from projects.forms import ProjectCreateForm


@login_required
def project_list(request):
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("shots:project-home", slug=project.slug)
    memberships = selectors.projects_for_user(request.user)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "projects/project_list.html",
        {"memberships": memberships, "form": form, "show_form": request.method == "POST"},
        status=status,
    )
