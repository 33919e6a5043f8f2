from django import forms

from takes.services import MAX_VARIATIONS, SEED_LIMIT


class GenerateForm(forms.Form):
    profile = forms.CharField(label="Model profile")
    variations = forms.IntegerField(label="Variations", min_value=1, max_value=MAX_VARIATIONS,
                                    initial=1)
    seed = forms.IntegerField(label="Seed (blank for random)", min_value=0,
                              max_value=SEED_LIMIT, required=False)
