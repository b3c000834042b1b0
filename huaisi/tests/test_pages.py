"""Log-in, the home page per role, error pages and the language switch."""

import pytest
from django.urls import reverse

from conftest import PASSWORD
from huaisi.roles import RoleKind


@pytest.mark.django_db
class TestLogin:
    def test_anonymous_visitors_are_sent_to_the_login_page(self, client):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/"

    def test_login_page_is_chinese_by_default_even_for_an_english_browser(self, client):
        response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html
        assert "登录" in html
        assert response["Content-Language"] == "zh-hans"

    def test_wrong_password_is_refused_with_a_message(self, client, role_users):
        response = client.post(
            "/accounts/login/", {"username": "u_grid_leader", "password": "nope"}
        )
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_right_password_opens_the_home_page_with_the_users_role(self, client, role_users):
        response = client.post(
            "/accounts/login/", {"username": "u_grid_leader", "password": PASSWORD}, follow=True
        )
        html = response.content.decode()
        assert response.redirect_chain[-1][0] == "/"
        assert "网格长" in html
        assert "第1村第1网格" in html

    def test_logout_is_a_post_and_ends_the_session(self, client, role_users):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        assert client.get(reverse("logout")).status_code == 405
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert client.get("/").status_code == 302


@pytest.mark.django_db
class TestHomePerRole:
    @pytest.mark.parametrize(
        ("kind", "sees", "hidden"),
        [
            (RoleKind.COMMAND_CENTRE, ["/areas/villages/", "/areas/grids/"], []),
            (RoleKind.GRID_LEADER, ["/areas/villages/", "/areas/grids/"], []),
            (RoleKind.DEPARTMENT_HANDLER, [], ["/areas/villages/", "/areas/grids/"]),
        ],
    )
    def test_navigation_lists_only_what_the_role_may_open(
        self, client, role_users, kind, sees, hidden
    ):
        client.force_login(role_users[kind])
        html = client.get("/").content.decode()
        for url in sees:
            assert f'href="{url}"' in html
        for url in hidden:
            assert f'href="{url}"' not in html

    def test_a_user_without_role_is_told_to_ask_the_town_office(self, client, user_without_role):
        client.force_login(user_without_role)
        html = client.get("/").content.decode()
        assert "请联系镇里" in html


@pytest.mark.django_db
class TestErrorPages:
    def test_404_is_a_chinese_html_page(self, client, role_users):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "页面不存在" in response.content.decode()

    def test_403_is_a_chinese_html_page(self, client, role_users):
        client.force_login(role_users[RoleKind.DEPARTMENT_HANDLER])
        response = client.get("/areas/grids/")
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()

    @pytest.mark.urls("huaisi.tests.urls_with_error")
    def test_500_is_a_plain_page_in_chinese_and_english(self, client):
        client.raise_request_exception = False
        response = client.get("/boom/")
        assert response.status_code == 500
        html = response.content.decode()
        assert "服务器出错" in html and "Server error" in html


@pytest.mark.django_db
class TestLanguageSwitch:
    def test_switching_to_english_sticks_until_switched_back(self, client, role_users):
        client.force_login(role_users[RoleKind.GRID_LEADER])
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        html = client.get("/").content.decode()
        assert '<html lang="en">' in html
        assert "Grid leader" in html
        client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
        assert "网格长" in client.get("/").content.decode()

    def test_an_unknown_language_falls_back_to_chinese(self, client):
        client.cookies["django_language"] = "xx"
        assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()
