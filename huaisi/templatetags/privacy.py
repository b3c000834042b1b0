from django import template

from huaisi import privacy

register = template.Library()

register.filter("mask_id_number", privacy.mask_id_number)
register.filter("mask_phone", privacy.mask_phone)
