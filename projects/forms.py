from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from projects.models import AspectRatio, Resolution, Role


class ProjectCreateForm(forms.Form):
    name = forms.CharField(max_length=120)
    default_aspect_ratio = forms.ChoiceField(
        label="Aspect ratio", choices=AspectRatio.choices, initial=AspectRatio.WIDE
    )
    default_fps = forms.IntegerField(label="Frame rate (fps)", min_value=1, max_value=120,
                                     initial=24)
    default_resolution = forms.ChoiceField(
        label="Resolution", choices=Resolution.choices, initial=Resolution.HD
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, Role(role).label) for role in roles]
        self.fields["role"].initial = Role.VIEWER if Role.VIEWER in roles else None
        self.fields["email"].widget.attrs.update(
            {"autocomplete": "off", "placeholder": "name@studio.com"}
        )


class InviteSignupForm(UserCreationForm):
    """Username and password for someone joining through an invite; the e-mail is the invite's."""

    def __init__(self, *args, email: str, **kwargs):
        # The unsaved user carries the e-mail so the similarity validator compares against it.
        super().__init__(*args, instance=get_user_model()(email=email), **kwargs)
