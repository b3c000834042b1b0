"""Where notices go (channels, per unit) and what was sent (deliveries, one per notice and
channel: a unique constraint makes a resend, a retry or two workers at once deliver once)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huaisi.roles import Level


class Kind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk custom robot")
    SMS = "sms", _("SMS (HTTP gateway)")


class Channel(models.Model):
    """A group robot or an SMS gateway for one unit, or (no unit) for the command centre."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "tickets.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60)
    url = models.URLField(_("webhook or gateway URL"), max_length=500)
    # DingTalk's signing secret (SEC…); empty for WeCom and SMS.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    # SMS: the template (placeholders {number} {category} {village} {deadline} {event} {link}),
    # the signature, and the recipients' numbers (one a line).
    template = models.CharField(_("SMS template"), max_length=300, blank=True)
    signature = models.CharField(_("SMS signature"), max_length=20, blank=True)
    recipients = models.TextField(_("SMS recipients"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    area_paths = {Level.TOWN: "town"}

    class Meta:
        verbose_name = _("notice channel")
        verbose_name_plural = _("notice channels")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="channel_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="sms") | ~Q(template="") & ~Q(recipients=""),
                name="channel_sms_has_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    order = models.ForeignKey(
        "tickets.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # "event:<timeline id>", "due:<order>:<deadline>", "test:<uuid>": one notice.
    notice = models.CharField(max_length=80)
    text = models.TextField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "channel"], name="delivery_once"),
        ]
        indexes = [
            models.Index(fields=["order", "created_at"], name="delivery_order"),
            models.Index(
                fields=["-created_at"], condition=Q(state="failed"), name="delivery_failed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.channel_id}"
