from django import forms

from projects.models import AspectRatio, Resolution


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
