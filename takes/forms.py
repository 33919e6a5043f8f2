from django import forms

from shots.models import ReferenceJob, ReferenceRole
from takes.services import MAX_VARIATIONS, SEED_LIMIT


class GenerateForm(forms.Form):
    profile = forms.CharField(label="Model profile")
    variations = forms.IntegerField(label="Variations", min_value=1, max_value=MAX_VARIATIONS,
                                    initial=1)
    seed = forms.IntegerField(label="Seed (blank for random)", min_value=0,
                              max_value=SEED_LIMIT, required=False)


class ReferenceForm(forms.Form):
    """Attach a library file to the shot, or change an attached one."""

    asset_file = forms.UUIDField(label="Library file", required=False)
    role = forms.ChoiceField(label="Role", choices=ReferenceRole.choices)
    job = forms.ChoiceField(label="Job", choices=ReferenceJob.choices)
    instruction = forms.CharField(label="Instruction", max_length=300, required=False)


class AgainForm(forms.Form):
    seed = forms.ChoiceField(label="Seed", choices=[("same", "Same seed"), ("new", "New seed")])
