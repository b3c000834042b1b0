"""The board's saved views: a dispatcher saves the board's filters under a name, and the view is
a tab above the board (theirs, or shared with the town's other dispatchers); renaming, sharing
and deleting are the owner's; bad names and filters are refused whole; two saves at once make
one view."""

import threading
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from conftest import make_user
from grids.models import Town
from huaisi.roles import RoleKind
from tickets import services as s
from tickets.board_filters import MAX_VIEWS_PER_USER, BoardFilters
from tickets.models import BoardView, Category, Source

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BOARD = "/orders/board/"


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def colleague(hotline):
    """A second dispatcher of the same town."""
    return make_user(
        "u_command2", kind=RoleKind.COMMAND_CENTRE, scope=hotline.town, first_name="钱伟"
    )


def said(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def save(client, name, filters, **extra):
    return client.post(
        reverse("board-view-save"), {"name": name, "filters": filters, **extra}, follow=True
    )


def tabs(body: str) -> str:
    """The saved views' tab strip of a board page ("" when there is none)."""
    start = body.find('<nav class="saved-tabs"')
    return body[start : body.index("</nav>", start)] if start >= 0 else ""


def href(query: str) -> str:
    return "?" + query.replace("&", "&amp;")


def overdue_env(h) -> str:
    return urlencode({"view": "overdue", "category": h.env.pk, "sort": "deadline"})


def test_saved_filters_become_a_tab_that_opens_them(client, hotline):
    h = hotline
    h.new_order(title="河道垃圾", category=h.straw)
    h.new_order(title="路灯不亮", category=h.roads)
    client.force_login(h.command)
    filters = urlencode({"view": "new", "category": h.env.pk, "sort": "deadline", "q": "河道"})
    response = save(client, " 本周 超期·城管 ", filters)
    # Back on the board with the same filters, the new tab marked as the current one.
    assert response.redirect_chain[-1][0] == f"{BOARD}?{filters}"
    assert "Saved as “本周 超期·城管”" in said(response)
    body = response.content.decode()
    assert "河道垃圾" in body and "路灯不亮" not in body
    strip = tabs(body)
    assert f'<a href="{href(filters)}" aria-current="page">本周 超期·城管</a>' in strip
    view = BoardView.objects.get()
    assert (view.owner, view.town, view.name, view.query, view.shared) == (
        h.command, h.town, "本周 超期·城管", filters, False
    )  # fmt: skip
    # The unfiltered board shows the tab, not as the current one.
    strip = tabs(client.get(BOARD).content.decode())
    assert f'<a href="{href(filters)}">本周 超期·城管</a>' in strip
    # Following the tab is the filtered board again.
    body = client.get(f"{BOARD}?{filters}").content.decode()
    assert "河道垃圾" in body and "路灯不亮" not in body and 'aria-current="page">本周' in body


def test_rename_share_and_delete_plain_and_htmx(client, hotline, colleague):
    h = hotline
    client.force_login(h.command)
    filters = overdue_env(h)
    save(client, "超期", filters)
    view = BoardView.objects.get()
    url = reverse("board-view-rename", args=[view.pk])
    response = client.post(url, {"name": "本周超期", "filters": filters}, follow=True)
    assert "“超期” is now “本周超期”." in said(response)
    assert response.redirect_chain[-1][0] == f"{BOARD}?{filters}"
    # htmx: the strip alone comes back, saying what happened.
    share = reverse("board-view-share", args=[view.pk])
    response = client.post(share, {"shared": "1", "filters": filters}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="saved-views"') and "<html" not in body
    assert "is shared: the town&#x27;s dispatchers see it as a tab" in body
    assert "本周超期 <small>· shared</small>" in body
    assert response["Vary"] and "HX-Request" in response["Vary"]
    view.refresh_from_db()
    assert view.shared and view.name == "本周超期"
    # The colleague has it as a tab now, with the author's name.
    client.force_login(colleague)
    author = h.command.get_full_name() or h.command.username
    assert f"本周超期 <small>· shared by {author}</small>" in tabs(
        client.get(BOARD).content.decode()
    )
    client.force_login(h.command)
    response = client.post(share, {"shared": "0", "filters": filters}, follow=True)
    assert "is no longer shared" in said(response)
    delete = reverse("board-view-delete", args=[view.pk])
    response = client.post(delete, {"filters": filters}, follow=True)
    assert "“本周超期” is deleted." in said(response)
    assert not BoardView.objects.exists()
    assert tabs(response.content.decode()) == ""


def test_a_shared_view_is_a_colleagues_tab_they_cannot_change(client, hotline, colleague):
    h = hotline
    client.force_login(h.command)
    save(client, "共享的", overdue_env(h), shared="1")
    save(client, "自己的", urlencode({"view": "open"}))
    shared, own = BoardView.objects.order_by("pk")
    client.force_login(colleague)
    body = client.get(f"{BOARD}?{shared.query}").content.decode()
    strip = tabs(body)
    assert "共享的 <small>· shared by " in strip and 'aria-current="page">共享的' in strip
    assert "自己的" not in body  # not shared: nobody else sees it
    assert "only they can change it" in body
    assert reverse("board-view-rename", args=[shared.pk]) not in body
    for act, data in (("rename", {"name": "改名"}), ("share", {"shared": "0"}), ("delete", {})):
        response = client.post(reverse(f"board-view-{act}", args=[shared.pk]), data)
        assert response.status_code == 403, act
    # The unshared one is not theirs to see: answered as no longer there, and left alone.
    response = client.post(reverse("board-view-delete", args=[own.pk]), follow=True)
    assert "no longer there" in said(response)
    assert list(BoardView.objects.order_by("pk").values_list("name", "shared")) == [
        ("共享的", True), ("自己的", False),
    ]  # fmt: skip
    with pytest.raises(PermissionDenied):
        s.board_view_delete(actor=colleague, view=shared)


def test_a_dispatcher_of_another_town_never_sees_it(client, hotline):
    h = hotline
    client.force_login(h.command)
    save(client, "全镇共享", overdue_env(h), shared="1")
    view = BoardView.objects.get()
    elsewhere = Town.objects.create(code="T2", name="别的镇")
    stranger = make_user("u_command_t2", kind=RoleKind.COMMAND_CENTRE, scope=elsewhere)
    client.force_login(stranger)
    body = client.get(BOARD).content.decode()
    assert "全镇共享" not in body and tabs(body) == ""
    response = client.post(reverse("board-view-rename", args=[view.pk]), {"name": "x"})
    assert response.status_code == 302
    view.refresh_from_db()
    assert view.name == "全镇共享"
    # Nor may a handler or the supervision team save one.
    for user in (h.handler, h.supervisor):
        client.force_login(user)
        assert client.post(reverse("board-view-save"), {"name": "x"}).status_code == 403
    assert BoardView.objects.count() == 1


def test_filters_are_read_again_a_deleted_category_drops_out(client, hotline):
    h = hotline
    gone = Category.objects.create(town=h.town, name="临时类别")
    client.force_login(h.command)
    filters = urlencode({"view": "open", "category": gone.pk, "source": Source.HOTLINE})
    save(client, "临时", filters)
    gone.delete()
    strip = tabs(client.get(BOARD).content.decode())
    # The tab is still there, without the category that is gone, and opens that board.
    assert '<a href="?view=open&amp;source=hotline">临时</a>' in strip
    body = client.get(f"{BOARD}?view=open&source=hotline").content.decode()
    assert 'aria-current="page">临时' in body


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the view a name."),
        ("   ", "Give the view a name."),
        ("超" * 41, "Keep the name to 40 characters or fewer."),
        ("x" * 41, "Keep the name to 40 characters or fewer."),
        ("坏\x00名", "Null characters are not allowed."),
        ("坏\x07名", "The name must not contain control characters."),
    ],
)
def test_bad_names_are_refused_and_nothing_is_written(client, hotline, name, message):
    client.force_login(hotline.command)
    response = save(client, name, "view=open")
    assert "The view was not saved" in said(response) and message in said(response)
    assert response.redirect_chain[-1][0] == f"{BOARD}?view=open"
    assert not BoardView.objects.exists()


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ("view=open&colour=red", "These are not filters of the board: colour."),
        ("view=open&page=2", "These are not filters of the board: page."),
        ("view=open&view=new", "Each filter may be given once."),
        ("view=nope", "cannot be kept as given: view"),
        ("view=open&category=999999", "cannot be kept as given: category"),
        ("view=open&sort=sideways", "cannot be kept as given: sort"),
        ("view=open&q=" + "长" * 41, "cannot be kept as given: q"),
    ],
)
def test_bad_filters_are_refused_and_nothing_is_written(client, hotline, filters, message):
    client.force_login(hotline.command)
    response = save(client, "坏的", filters)
    assert message in said(response)
    assert not BoardView.objects.exists()


def test_filters_with_nul_are_refused_and_lead_back_to_a_board_that_opens(client, hotline):
    client.force_login(hotline.command)
    response = save(client, "坏的", "view=open&q=a\x00b")
    assert response.status_code == 200 and "The view was not saved" in said(response)
    assert response.redirect_chain[-1][0] == f"{BOARD}?view=new"
    assert not BoardView.objects.exists()


def test_the_service_refuses_what_the_web_cannot_send(hotline):
    """NUL and a lone surrogate (Django decodes form posts with replacement characters, so
    only code can hand a service one) are refused by the project's text check."""
    h = hotline
    translation.activate("en")
    for name, words in (("坏\ud800", "lone surrogate"), ("坏\x00", "NUL")):
        with pytest.raises(ValidationError) as refused:
            s.board_view_save(actor=h.command, town=h.town, name=name, filters=BoardFilters())
        assert words in refused.value.messages[0]
    assert not BoardView.objects.exists()


def test_a_double_click_saves_once_and_a_name_is_one_view(client, hotline):
    h = hotline
    client.force_login(h.command)
    save(client, "Overdue", overdue_env(h))
    again = save(client, "Overdue", overdue_env(h))
    assert "“Overdue” is saved with these filters already." in said(again)
    assert BoardView.objects.count() == 1
    # The same name in other letters' case, with other filters: refused.
    response = save(client, "OVERDUE", "view=open")
    assert "You have a view named “Overdue” already" in said(response)
    assert BoardView.objects.get().query == overdue_env(h)
    # htmx: the form comes back open with the name as typed, to correct it.
    response = client.post(
        reverse("board-view-save"), {"name": "OVERDUE", "filters": "view=open"}, **HTMX
    )
    body = response.content.decode()
    assert '<details class="saved-form" open>' in body and 'value="OVERDUE"' in body
    assert "You have a view named “Overdue” already" in body
    # Renaming onto another view's name is refused too.
    save(client, "Open", "view=open")
    view = BoardView.objects.get(name="Open")
    response = client.post(
        reverse("board-view-rename", args=[view.pk]), {"name": " overdue "}, follow=True
    )
    assert "You have a view named “Overdue” already" in said(response)
    view.refresh_from_db()
    assert view.name == "Open"


def test_at_most_twenty_views_each(client, hotline):
    h = hotline
    for n in range(MAX_VIEWS_PER_USER):
        s.board_view_save(
            actor=h.command, town=h.town, name=f"视图{n}", filters=BoardFilters(view="open")
        )
    client.force_login(h.command)
    response = save(client, "再一个", "view=closed")
    assert "You have 20 saved views, the most one may keep: delete one first." in said(response)
    assert BoardView.objects.count() == MAX_VIEWS_PER_USER


def test_a_view_deleted_meanwhile_is_said_not_a_500(client, hotline):
    h = hotline
    view, _made = s.board_view_save(
        actor=h.command, town=h.town, name="将被删除", filters=BoardFilters(view="open")
    )
    stale = BoardView.objects.get(pk=view.pk)
    s.board_view_delete(actor=h.command, view=view)
    translation.activate("en")
    for act in (
        lambda: s.board_view_rename(actor=h.command, view=stale, name="新名"),
        lambda: s.board_view_share(actor=h.command, view=stale, shared=True),
        lambda: s.board_view_delete(actor=h.command, view=stale),
    ):
        with pytest.raises(s.ViewGone):
            act()
    # In the browser: the other tab's form, sent after the delete.
    client.force_login(h.command)
    for act in ("rename", "delete"):
        response = client.post(
            reverse(f"board-view-{act}", args=[view.pk]), {"name": "新名"}, follow=True
        )
        assert "This saved view is no longer there (it was deleted meanwhile)" in said(response)
        response = client.post(
            reverse(f"board-view-{act}", args=[view.pk]), {"name": "新名"}, **HTMX
        )
        assert response.status_code == 200 and "no longer there" in response.content.decode()
    assert not BoardView.objects.exists()


def save_at_once(h, filters: tuple[BoardFilters, BoardFilters]) -> list:
    """Two threads (each its own database connection) save the view 同时 at the same moment."""
    barrier = threading.Barrier(2)
    results = []

    def save_one(f):
        translation.activate("en")  # each thread starts in the default language
        try:
            barrier.wait()
            results.append(s.board_view_save(actor=h.command, town=h.town, name="同时", filters=f))
        except s.ViewNameTaken as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save_one, args=(f,)) for f in filters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_name_at_once_make_one_view_and_the_other_is_told(hotline):
    """Two tabs of one dispatcher save the same name with other filters at the same moment."""
    results = save_at_once(hotline, (BoardFilters(view="open"), BoardFilters(view="closed")))
    assert BoardView.objects.filter(name="同时").count() == 1
    made = [r for r in results if isinstance(r, tuple)]
    told = [r for r in results if isinstance(r, s.ViewNameTaken)]
    assert len(made) == 1 and made[0][1] and len(told) == 1
    assert "You have a view named “同时” already" in told[0].messages[0]
    assert BoardView.objects.get().query == made[0][0].query


@pytest.mark.django_db(transaction=True)
def test_a_double_click_at_the_same_moment_saves_once(hotline):
    results = save_at_once(hotline, (BoardFilters(view="open"),) * 2)
    assert BoardView.objects.count() == 1
    assert sorted(made for _view, made in results) == [False, True]
    assert {view.pk for view, _made in results} == {BoardView.objects.get().pk}


def board_queries(client, url=BOARD, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **extra).status_code == 200
    return len(ctx.captured_queries)


def test_the_tabs_cost_one_query_however_many(client, hotline, colleague):
    h = hotline
    client.force_login(h.command)
    without = board_queries(client)
    s.board_view_save(actor=h.command, town=h.town, name="一", filters=BoardFilters(view="open"))
    assert board_queries(client) == without
    for n in range(5):
        s.board_view_save(
            actor=h.command, town=h.town, name=f"区{n}", filters=BoardFilters(view="overdue")
        )
        s.board_view_save(
            actor=colleague, town=h.town, name=f"共{n}", filters=BoardFilters(), shared=True
        )
    body = client.get(BOARD).content.decode()
    assert tabs(body).count("<a ") == 11
    assert board_queries(client) == without


def test_a_filter_change_redraws_the_strip_and_the_poll_does_not(client, hotline):
    h = hotline
    client.force_login(h.command)
    s.board_view_save(actor=h.command, town=h.town, name="全部", filters=BoardFilters(view="open"))
    live = {"HTTP_HX_TARGET": "board-live", **HTMX}
    body = client.get(BOARD, {"view": "open"}, **live).content.decode()
    assert body.lstrip().startswith('<div id="board-live"')
    assert '<section id="saved-views" class="saved-views"' in body and 'hx-swap-oob="true"' in body
    assert 'aria-current="page">全部' in body
    seen = body.split("seen=", 1)[1].split('"', 1)[0]
    h.new_order(title="新的一单")  # something changed: the poll redraws the live part only
    polled = client.get(BOARD, {"view": "open", "seen": seen}, **live).content.decode()
    assert "新的一单" in polled and "saved-views" not in polled
