"""Template filters that mask personal data: {% load privacy %} {{ person.phone|mask_phone }}."""

from django import template

from huiyin.privacy import masking
from huiyin.privacy.audit import target_type_label

register = template.Library()

# The output keeps part of the input, so it is not marked safe: autoescaping still applies.
register.filter("mask_id", masking.mask_resident_id)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_name", masking.mask_name)
register.filter("mask_address", masking.mask_address)

# The audit page names an entry's object type as the model does ("cases.case" → 事项).
register.filter("target_type_label", target_type_label)
