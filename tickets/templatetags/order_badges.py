from django import template

from tickets import badges

register = template.Library()

register.filter("state_badge", badges.state_badge)
register.filter("deadline_badge", badges.deadline_badge)
