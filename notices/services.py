"""Notices through channels: which events make one, what it says, and sending it.

Decisions (issue 20 leaves them open):
- Who hears what: a dispatch, 催办 (urging), 督办 (supervision order), a dissatisfied callback
  (re-handling) and "deadline in one working day" go to the lead unit's channels; a return goes
  to the command centre's (channels without a unit). The dissatisfied callback also goes there.
- A message carries the order number, category, village, deadline, what happened and a link;
  never a caller's name, phone, address or the order's free text (`notice_text`).
- The deadline sweep writes 催办/督办 events in SQL (no `post_save`), so a one-minute scan
  (`scan_recent_events`) catches every relevant event of the last hour as well; the unique
  (notice, channel) constraint makes the second finder a no-op.
- Sending happens in Celery after commit. A robot takes 20 messages a minute (WeCom's and
  DingTalk's published limit): a delivery over the limit waits for the next minute without
  counting as a failure. Failures are retried with exponential backoff (1, 2, 4, 8, 16 min);
  after the fifth the delivery is "failed" and listed for the administrator.
"""

import base64
import datetime
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
import uuid

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huaisi.periods import TZ
from tickets import worktime
from tickets.models import REPLY_CLOCK_STATES, Action, Satisfaction, TimelineEvent, WorkOrder

from .models import Channel, Delivery, Kind

RATE_PER_MINUTE = 20
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 60
TIMEOUT_SECONDS = 10
UNIT_ACTIONS = {Action.DISPATCH, Action.URGE, Action.SUPERVISE}
CENTRE_ACTIONS = {Action.RETURN}


class SendError(Exception):
    pass


class RateLimited(Exception):
    pass


def _event_label(event: TimelineEvent) -> str:
    if event.action == Action.CALLBACK:
        return _("Caller dissatisfied: handle again")
    return {
        Action.DISPATCH: _("New order dispatched to you"),
        Action.RETURN: _("Order returned to the command centre"),
        Action.URGE: _("Urging notice (催办)"),
        Action.SUPERVISE: _("Supervision order (督办)"),
    }[event.action]


def _wanted(event: TimelineEvent) -> bool:
    if event.action == Action.CALLBACK:
        return event.data.get("result") == Satisfaction.DISSATISFIED
    return event.action in UNIT_ACTIONS | CENTRE_ACTIONS


def notice_fields(order: WorkOrder, label: str) -> dict:
    """The only facts a notice carries (no name, phone, address or description)."""
    due = order.current_due
    return {
        "event": label,
        "number": order.number,
        "category": order.category.name,
        "village": order.village.name if order.village_id else "-",
        "deadline": timezone.localtime(due, TZ).strftime("%Y-%m-%d %H:%M") if due else "-",
        "link": f"{settings.SITE_URL.rstrip('/')}/orders/{order.pk}/",
    }


def notice_text(fields: dict) -> str:
    return (
        _(
            "[Huaisi] %(event)s\nOrder: %(number)s\nCategory: %(category)s\nVillage: %(village)s\n"
            "Deadline: %(deadline)s\n%(link)s"
        )
        % fields
    )


def _channels_for(order: WorkOrder, *, unit: bool, centre: bool):
    wanted = Q(pk__in=[])
    if unit and order.lead_unit_id:
        wanted |= Q(unit_id=order.lead_unit_id)
    if centre:
        wanted |= Q(unit__isnull=True)
    return Channel.objects.filter(wanted, town_id=order.town_id, is_active=True).order_by("pk")


def _queue(*, order: WorkOrder | None, notice: str, fields: dict, channels) -> list[int]:
    """One delivery per channel (existing ones left alone); sent after commit."""
    now = timezone.now()
    made = []
    for channel in channels:
        delivery, created = Delivery.objects.get_or_create(
            notice=notice,
            channel=channel,
            defaults={
                "order": order,
                "text": json.dumps(fields, ensure_ascii=False),
                "created_at": now,
            },
        )
        if created:
            made.append(delivery.pk)
    for pk in made:
        # Looked up by name: the tasks module imports this one.
        transaction.on_commit(lambda pk=pk: current_app.tasks["notices.tasks.send_task"].delay(pk))
    return made


def notices_for_event(*, event_id: int) -> list[int]:
    event = TimelineEvent.objects.select_related("order__category", "order__village", "order").get(
        pk=event_id
    )
    if not _wanted(event):
        return []
    order = event.order
    unit = event.action in UNIT_ACTIONS or event.action == Action.CALLBACK
    centre = event.action in CENTRE_ACTIONS or event.action == Action.CALLBACK
    channels = list(_channels_for(order, unit=unit, centre=centre))
    return _queue(
        order=order,
        notice=f"event:{event.pk}",
        fields=notice_fields(order, _event_label(event)),
        channels=channels,
    )


def on_timeline_event(sender, instance, created, raw=False, **kwargs):
    """post_save of a timeline event: queue its notices in the same transaction."""
    if created and not raw and _wanted(instance):
        with transaction.atomic():
            notices_for_event(event_id=instance.pk)


def scan_recent_events(*, minutes: int = 60) -> int:
    """Events the sweep wrote in SQL (催办, 督办) get their notices too (idempotent)."""
    since = timezone.now() - datetime.timedelta(minutes=minutes)
    ids = TimelineEvent.objects.filter(
        at__gte=since, action__in=[Action.URGE, Action.SUPERVISE, Action.DISPATCH, Action.RETURN]
    ).values_list("pk", flat=True)
    made = 0
    for pk in ids:
        with transaction.atomic():
            made += len(notices_for_event(event_id=pk))
    return made


def deadline_notices(*, now: datetime.datetime | None = None) -> int:
    """Orders whose reply is due within one working day: one notice per order and deadline."""
    now = now or timezone.now()
    horizon = worktime.add_working_days(now, 1)
    orders = WorkOrder.objects.filter(
        state__in=REPLY_CLOCK_STATES, reply_due__gt=now, reply_due__lte=horizon
    ).select_related("category", "village")
    made = 0
    for order in orders:
        with transaction.atomic():
            made += len(
                _queue(
                    order=order,
                    notice=f"due:{order.pk}:{order.reply_due:%Y%m%d%H%M}",
                    fields=notice_fields(order, _("Reply due within one working day")),
                    channels=list(_channels_for(order, unit=True, centre=False)),
                )
            )
    return made


@transaction.atomic(durable=True)
def channel_test(*, channel: Channel) -> int:
    fields = {
        "event": _("Test message"),
        "number": "-",
        "category": "-",
        "village": "-",
        "deadline": "-",
        "link": "/orders/channels/",
    }
    return _queue(order=None, notice=f"test:{uuid.uuid4().hex}", fields=fields, channels=[channel])[
        0
    ]


# --- Sending ------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's custom-robot signature: Base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")),
    URL-encoded."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 - URLs the administrator configured
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            text = answer.read().decode() or "{}"
    except OSError as exc:
        raise SendError(str(exc)[:300]) from exc
    try:
        return json.loads(text)
    except ValueError:
        return {}


def _send(channel: Channel, fields: dict) -> None:
    text = notice_text(fields)
    if channel.kind == Kind.WECOM:
        answer = _post(channel.url, {"msgtype": "text", "text": {"content": text}})
    elif channel.kind == Kind.DINGTALK:
        url = channel.url
        if channel.secret:
            stamp = int(time.time() * 1000)
            joiner = "&" if "?" in url else "?"
            url += f"{joiner}timestamp={stamp}&sign={dingtalk_sign(channel.secret, stamp)}"
        answer = _post(url, {"msgtype": "text", "text": {"content": text}})
    else:
        content = channel.template.format_map({k: fields.get(k, "") for k in FIELDS})
        answer = {}
        for phone in channel.recipients.split():
            answer = _post(
                channel.url,
                {"to": phone, "signature": channel.signature, "text": content, "params": fields},
            )
            if answer.get("code", 0) not in (0, "0", "OK"):
                break
        if answer.get("code", 0) not in (0, "0", "OK"):
            raise SendError(str(answer)[:300])
        return
    if answer.get("errcode", 0) != 0:
        raise SendError(f"{answer.get('errcode')}: {answer.get('errmsg', '')}"[:300])


FIELDS = ("event", "number", "category", "village", "deadline", "link")


def _take_slot(channel_id: int) -> bool:
    namespace = getattr(settings, "NOTICES_RATE_NAMESPACE", "notices:rate")
    key = f"{namespace}:{channel_id}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=90)
    return cache.incr(key) <= RATE_PER_MINUTE


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery unless it was sent; returns its state. Raises RateLimited (try again
    next minute) or SendError (after recording the attempt; the task retries with backoff)."""
    delivery = Delivery.objects.select_related("channel").get(pk=delivery_id)
    if delivery.state != Delivery.State.PENDING:
        return delivery.state
    if not _take_slot(delivery.channel_id):
        raise RateLimited
    try:
        _send(delivery.channel, json.loads(delivery.text))
    except SendError as exc:
        attempts = delivery.attempts + 1
        Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING).update(
            attempts=attempts,
            last_error=str(exc)[:300],
            state=Delivery.State.FAILED if attempts >= MAX_ATTEMPTS else Delivery.State.PENDING,
        )
        raise
    Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING).update(
        state=Delivery.State.SENT, sent_at=timezone.now(), attempts=delivery.attempts + 1
    )
    return Delivery.State.SENT


def backoff(attempts: int) -> int:
    return BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
