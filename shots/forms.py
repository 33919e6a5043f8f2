from django import forms

from shots.models import Shot
from shots.services import SHOT_PLAN_FIELDS

SHOT_LIST_MAX_BYTES = 1024 * 1024


class ShotPlanForm(forms.ModelForm):
    class Meta:
        model = Shot
        fields = SHOT_PLAN_FIELDS
        labels = {
            "job": "Job (why the shot exists)",
            "subject_action": "Subject & action (what changes)",
            "camera_movement": "Camera movement",
            "framing": "Framing & lens",
            "lighting": "Lighting & environment",
            "duration_s": "Duration (seconds)",
            "aspect_ratio": "Aspect ratio",
            "resolution": "Resolution",
            "fps": "Frame rate (fps)",
            "negative_constraints": "Negative constraints (one per line)",
            "review_standard": "Review standard (rejection criteria, one per line)",
            "motion_prompt": "Motion prompt (what moves)",
        }
        widgets = {
            "job": forms.Textarea(attrs={"rows": 2}),
            "subject_action": forms.Textarea(attrs={"rows": 2}),
            "lighting": forms.Textarea(attrs={"rows": 2}),
            "negative_constraints": forms.Textarea(attrs={"rows": 3}),
            "review_standard": forms.Textarea(attrs={"rows": 3}),
            "motion_prompt": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            # Blank means "the project's default"; say which one that is.
            self.fields["aspect_ratio"].choices = [
                ("", f"Default ({project.default_aspect_ratio})"),
                *[c for c in self.fields["aspect_ratio"].choices if c[0]],
            ]
            self.fields["resolution"].choices = [
                ("", f"Default ({project.default_resolution})"),
                *[c for c in self.fields["resolution"].choices if c[0]],
            ]
            self.fields["fps"].widget.attrs["placeholder"] = f"{project.default_fps} (default)"

    def _post_clean(self):
        # The service checks the plan and writes it; the form only parses the fields.
        pass


class SceneForm(forms.Form):
    code = forms.CharField(max_length=12, required=False, label="Scene code")
    title = forms.CharField(max_length=200, required=False, label="Title")


class ShotAddForm(forms.Form):
    code = forms.CharField(max_length=12, required=False, label="Shot code")
    after = forms.IntegerField(required=False, label="Position")
    subject_action = forms.CharField(max_length=500, required=False, label="Subject & action")


class ShotRenameForm(forms.Form):
    code = forms.CharField(max_length=12, label="Shot code")


class ShotListForm(forms.Form):
    file = forms.FileField(required=False, label="CSV file")
    text = forms.CharField(required=False, widget=forms.HiddenInput)

    def csv_text(self) -> str:
        upload = self.cleaned_data.get("file")
        if upload is None:
            text = self.cleaned_data.get("text") or ""
            if len(text.encode()) > SHOT_LIST_MAX_BYTES:
                raise forms.ValidationError("The shot list is larger than 1 MB; split it.")
            return text
        if upload.size > SHOT_LIST_MAX_BYTES:
            raise forms.ValidationError("The shot list is larger than 1 MB; split it.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text; export it from your spreadsheet as CSV UTF-8."
            ) from None
