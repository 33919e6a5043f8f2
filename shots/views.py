from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from projects.roles import PLAN, VIEW
from projects.selectors import membership_for, require
from shots import selectors


@require_GET
@login_required
def project_home(request, slug):
    membership = require(membership_for(request.user, slug), VIEW)
    scenes = list(selectors.scenes_for_project_home(membership))
    shot_count = sum(len(scene.shots.all()) for scene in scenes)
    return render(
        request, "shots/project_home.html",
        {
            "membership": membership,
            "project": membership.project,
            "scenes": scenes,
            "shot_count": shot_count,
            "can_plan": membership.can(PLAN),
        },
    )
