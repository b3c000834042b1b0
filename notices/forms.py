from django import forms
from django.utils.translation import gettext_lazy as _

from huaisi.phones import validate_mobile

from .models import Channel, Kind


class ChannelForm(forms.ModelForm):
    url = forms.URLField(label=_("webhook or gateway URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = Channel
        fields = ["unit", "kind", "name", "url", "secret", "template", "signature", "recipients"]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "unit": _("Leave empty for the command centre's own group."),
            "secret": _("DingTalk only: the robot's signing secret (SEC…)."),
            "template": _(
                "SMS only. Placeholders: {event} {number} {category} {village} {deadline} {link}."
            ),
            "recipients": _("SMS only: the handlers' mobile numbers, one a line."),
        }

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].required = False
        self.fields["unit"].empty_label = _("Command centre")

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("Enter the address starting with https://."))
        return url

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Kind.SMS:
            template = (data.get("template") or "").strip()
            if not template:
                self.add_error("template", _("An SMS channel needs a template."))
            else:
                try:
                    template.format_map(
                        dict.fromkeys(
                            ("event", "number", "category", "village", "deadline", "link"), ""
                        )
                    )
                except (KeyError, ValueError, IndexError):
                    self.add_error(
                        "template", _("Use only the placeholders listed under the field.")
                    )
            if not (data.get("signature") or "").strip():
                self.add_error("signature", _("An SMS channel needs a signature."))
            phones = []
            for line in filter(None, map(str.strip, (data.get("recipients") or "").splitlines())):
                try:
                    phones.append(validate_mobile(line))
                except forms.ValidationError:
                    self.add_error(
                        "recipients",
                        _("%(value)s is not a mobile number.") % {"value": line},
                    )
            if not phones and "recipients" not in self.errors:
                self.add_error("recipients", _("Give at least one mobile number."))
            data["recipients"] = "\n".join(phones)
        return data
