from django import forms

from assets.models import AssetKind, UsageApproval


class UploadForm(forms.Form):
    """Where the uploaded files go and the usage record they carry; the files come separately."""

    asset = forms.ModelChoiceField(queryset=None, required=False, empty_label="New asset…")
    name = forms.CharField(label="New asset name", max_length=120, required=False)
    kind = forms.ChoiceField(label="Kind", choices=[("", "Choose…"), *AssetKind.choices],
                             required=False)
    source = forms.CharField(label="Source", max_length=200, required=False)
    rights_owner = forms.CharField(label="Rights owner", max_length=200, required=False)
    approval = forms.ChoiceField(label="Approval", choices=UsageApproval.choices,
                                 initial=UsageApproval.PENDING)

    def __init__(self, *args, assets, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the project's own assets can be chosen: the selector's queryset is the gate.
        self.fields["asset"].queryset = assets

    def clean(self):
        data = super().clean()
        if data.get("asset") is None:
            if not " ".join(data.get("name", "").split()):
                self.add_error("name", "Choose an asset, or name the new one.")
            if not data.get("kind"):
                self.add_error("kind", "Choose the new asset's kind.")
        return data


class UsageForm(forms.Form):
    """The usage record of one file: where it came from, who owns it, who may see it."""

    source = forms.CharField(label="Source", max_length=200, required=False)
    rights_owner = forms.CharField(label="Rights owner", max_length=200, required=False)
    approval = forms.ChoiceField(label="Approval", choices=UsageApproval.choices)
    client_use_notes = forms.CharField(label="Client-use notes", max_length=4000, required=False,
                                       widget=forms.Textarea)
