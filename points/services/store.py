"""The points supermarket (满满加油站): goods, stock receipts, redemptions and refunds.

Balance and stock can never go negative: a redemption locks the household's account row
first, then its goods in id order (every write that touches both takes them in that order, so
none deadlocks), checks both and writes the basket, the stock and the balance in one
transaction. The CHECK constraints (balance ≥ 0, stock ≥ 0) are the last line.
"""

from collections import OrderedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household
from huaisi.roles import Capability

from ..models import Good, PointsAccount, Redemption, RedemptionLine, StockReceipt, Store
from ._common import clean_key, has_village_role, replayed_with_other_content
from .accounts import account_for_update

MAX_QUANTITY = 999


def _check_clerk(by, village) -> None:
    if not has_village_role(by, Capability.RUN_STORE, village):
        raise PermissionDenied(
            _("Only the clerk of %(village)s runs its points supermarket.")
            % {"village": village.name}
        )


@transaction.atomic(durable=True)
def store_open(*, village, name: str, by) -> Store:
    """The village's one supermarket (the database keeps it to one)."""
    _check_clerk(by, village)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the supermarket's name.")})
    if Store.objects.filter(village=village).exists():
        raise ValidationError(_("This village already has a points supermarket."))
    return Store.objects.create(village=village, name=name)


GOOD_FIELDS = ("name", "unit", "price_points", "is_active")


def _clean_good(*, store: Store, data: dict, instance: Good | None = None) -> dict:
    cleaned = dict(data)
    errors = {}
    cleaned["name"] = (cleaned.get("name") or "").strip()
    cleaned["unit"] = (cleaned.get("unit") or "").strip()
    if not cleaned["name"]:
        errors["name"] = ValidationError(_("Enter the name of the good."))
    else:
        clash = Good.objects.filter(store=store, name=cleaned["name"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["name"] = ValidationError(
                _("The supermarket already offers a good by that name.")
            )
    if not cleaned["unit"]:
        errors["unit"] = ValidationError(_("Enter the unit (bag, bottle, kg …)."))
    price = cleaned.get("price_points")
    if not isinstance(price, int) or price <= 0:
        errors["price_points"] = ValidationError(
            _("The price is a whole number of points above zero.")
        )
    cleaned["is_active"] = bool(cleaned.get("is_active", True))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic(durable=True)
def good_create(*, store: Store, by, name: str, unit: str, price_points: int) -> Good:
    """A new good starts with no stock: stock arrives only through receipts, so the stock
    can be proved from them (check_ledger)."""
    store = Store.objects.select_related("village").get(pk=store.pk)
    _check_clerk(by, store.village)
    cleaned = _clean_good(
        store=store, data={"name": name, "unit": unit, "price_points": price_points}
    )
    return Good.objects.create(store=store, **{k: cleaned[k] for k in GOOD_FIELDS})


@transaction.atomic(durable=True)
def good_update(*, good: Good, by, **fields) -> Good:
    """Name, unit, price and whether it is on offer; receipts already printed keep the price
    they were sold at. Stock is not edited here."""
    locked = Good.objects.select_for_update().select_related("store__village").get(pk=good.pk)
    _check_clerk(by, locked.store.village)
    data = {k: getattr(locked, k) for k in GOOD_FIELDS} | fields
    cleaned = _clean_good(store=locked.store, data=data, instance=locked)
    changed = [k for k in GOOD_FIELDS if getattr(locked, k) != cleaned[k]]
    for key in changed:
        setattr(locked, key, cleaned[key])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic(durable=True)
def stock_receive(
    *, good: Good, quantity: int, note: str = "", by, idempotency_key: str
) -> StockReceipt:
    """Goods arriving: a receipt row and the stock, in one transaction under the good's lock."""
    key = clean_key(idempotency_key)
    locked = Good.objects.select_for_update().select_related("store__village").get(pk=good.pk)
    _check_clerk(by, locked.store.village)
    existing = StockReceipt.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.good_id == locked.pk and existing.quantity == quantity:
            return existing
        raise replayed_with_other_content()
    if not isinstance(quantity, int) or not 0 < quantity <= 100_000:
        raise ValidationError(
            {"quantity": _("Enter how many arrived (a whole number above zero).")}
        )
    try:
        with transaction.atomic():
            receipt = StockReceipt.objects.create(
                good=locked,
                quantity=quantity,
                note=(note or "").strip()[:200],
                received_by=by,
                received_at=timezone.now(),
                idempotency_key=key,
            )
    except IntegrityError:
        raise replayed_with_other_content() from None
    Good.objects.filter(pk=locked.pk).update(stock=F("stock") + quantity)
    return receipt


def _basket(lines) -> "OrderedDict[int, int]":
    """{good id: quantity}, duplicates added up, in id order (the lock order)."""
    basket: dict[int, int] = {}
    for good_id, quantity in lines:
        if not isinstance(quantity, int) or quantity <= 0:
            raise ValidationError(_("Each quantity is a whole number above zero."), code="quantity")
        basket[int(good_id)] = basket.get(int(good_id), 0) + quantity
    if not basket:
        raise ValidationError(_("The basket is empty."), code="empty")
    if any(q > MAX_QUANTITY for q in basket.values()):
        raise ValidationError(
            _("At most %(n)s of one good in one basket.") % {"n": MAX_QUANTITY}, code="quantity"
        )
    return OrderedDict(sorted(basket.items()))


def _reserve_id() -> int:
    """The redemption's id, drawn before the insert so the receipt number can carry it
    (redemptions are never updated afterwards)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Redemption._meta.db_table]
        )
        return cursor.fetchone()[0]


def receipt_number_for(village, redemption_id: int) -> str:
    return f"{village.code}-{redemption_id:08d}"


def _existing_redemption(key: str, *, household: Household, basket: dict, reverses=None):
    existing = Redemption.objects.filter(idempotency_key=key).prefetch_related("lines").first()
    if existing is None:
        return None
    same = (
        existing.household_id == household.pk
        and existing.reverses_id == (reverses.pk if reverses else None)
        and {line.good_id: line.quantity for line in existing.lines.all()} == dict(basket)
    )
    if not same:
        raise replayed_with_other_content()
    return existing


@transaction.atomic(durable=True)
def redemption_create(
    *, store: Store, household: Household, lines, by, idempotency_key: str
) -> Redemption:
    """Sell a basket for points. `lines` is [(good id, quantity), …].

    Refused with the amounts shown, and nothing changed, when the balance or a good's stock
    does not cover it. A retry with the same key returns the first redemption."""
    key = clean_key(idempotency_key)
    basket = _basket(lines)
    store = Store.objects.select_related("village").get(pk=store.pk)
    _check_clerk(by, store.village)
    household = Household.objects.select_related("microgrid__grid").get(pk=household.pk)
    if household.microgrid.grid.village_id != store.village_id:
        raise ValidationError(
            _("Household %(number)s belongs to another village's supermarket.")
            % {"number": household.number},
            code="other_village",
        )
    account = account_for_update(household=household)
    existing = _existing_redemption(key, household=household, basket=basket)
    if existing is not None:
        return existing
    goods = {
        g.pk: g for g in Good.objects.select_for_update().filter(pk__in=list(basket)).order_by("pk")
    }
    problems = []
    for good_id, quantity in basket.items():
        good = goods.get(good_id)
        if good is None or good.store_id != store.pk:
            raise ValidationError(_("A good in the basket is not sold here."), code="other_store")
        if not good.is_active:
            problems.append(_("%(good)s is no longer on offer.") % {"good": good.name})
        elif good.stock < quantity:
            problems.append(
                _("%(good)s: %(wanted)s %(unit)s wanted, only %(stock)s in stock.")
                % {"good": good.name, "wanted": quantity, "unit": good.unit, "stock": good.stock}
            )
    total = sum(goods[g].price_points * q for g, q in basket.items())
    if total > account.balance:
        problems.append(
            _("The basket costs %(total)s points; the balance is %(balance)s points.")
            % {"total": total, "balance": account.balance}
        )
    if problems:
        raise ValidationError(problems, code="not_covered")
    redemption_id = _reserve_id()
    redemption = Redemption.objects.create(
        pk=redemption_id,
        store=store,
        household=household,
        total_points=total,
        receipt_number=receipt_number_for(store.village, redemption_id),
        redeemed_by=by,
        redeemed_at=timezone.now(),
        idempotency_key=key,
    )
    RedemptionLine.objects.bulk_create(
        RedemptionLine(
            redemption=redemption, good_id=g, quantity=q, unit_points=goods[g].price_points
        )
        for g, q in basket.items()
    )
    for good_id, quantity in basket.items():
        Good.objects.filter(pk=good_id).update(stock=F("stock") - quantity)
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") - total)
    return redemption


@transaction.atomic(durable=True)
def redemption_refund(
    *, redemption: Redemption, by, reason: str, idempotency_key: str
) -> Redemption:
    """Undo a whole basket: a refund row citing it (negative points, the same lines) that
    returns the points and the stock. Decision: refunds are whole, one per redemption; a
    partial return is a refund and a new, smaller basket."""
    key = clean_key(idempotency_key)
    reason = (reason or "").strip()
    original = Redemption.objects.select_related("store__village", "household").get(
        pk=redemption.pk
    )
    _check_clerk(by, original.store.village)
    if original.is_refund:
        raise ValidationError(_("A refund is not refunded again."), code="refund_of_refund")
    lines = list(original.lines.all())
    basket = {line.good_id: line.quantity for line in lines}
    account = account_for_update(household=original.household)
    existing = _existing_redemption(
        key, household=original.household, basket=basket, reverses=original
    )
    if existing is not None:
        return existing
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the refund.")})
    if Redemption.objects.filter(reverses=original).exists():
        raise ValidationError(_("This receipt was already refunded."), code="already_refunded")
    list(Good.objects.select_for_update().filter(pk__in=list(basket)).order_by("pk"))
    refund_id = _reserve_id()
    refund = Redemption.objects.create(
        pk=refund_id,
        store=original.store,
        household=original.household,
        total_points=-original.total_points,
        receipt_number=receipt_number_for(original.store.village, refund_id),
        redeemed_by=by,
        redeemed_at=timezone.now(),
        idempotency_key=key,
        reverses=original,
        note=reason[:200],
    )
    RedemptionLine.objects.bulk_create(
        RedemptionLine(
            redemption=refund,
            good_id=line.good_id,
            quantity=line.quantity,
            unit_points=line.unit_points,
        )
        for line in lines
    )
    for line in sorted(lines, key=lambda item: item.good_id):
        Good.objects.filter(pk=line.good_id).update(stock=F("stock") + line.quantity)
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + original.total_points)
    return refund
