"""Seed the dispute type tree (纠纷类型) as categories of kind "dispute"; administrators extend
it in the admin. 欠薪 sits below 劳动争议, so a ledger naming 劳动争议 takes it in."""

from django.db import migrations

DISPUTE_TYPES = [
    ("婚姻家庭", []),
    ("邻里", []),
    ("房屋宅基地", []),
    ("土地承包", []),
    ("损害赔偿", []),
    ("劳动争议", ["欠薪"]),
    ("物业", []),
    ("合同", []),
    ("消费", []),
    ("其他", []),
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for order, (name, children) in enumerate(DISPUTE_TYPES, start=1):
        parent, _created = Category.objects.get_or_create(
            kind="dispute", parent=None, name=name, defaults={"order": order * 10}
        )
        for child_order, child in enumerate(children, start=1):
            Category.objects.get_or_create(
                kind="dispute", parent=parent, name=child, defaults={"order": child_order * 10}
            )


def unseed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    names = [name for name, _children in DISPUTE_TYPES]
    children = [child for _name, kids in DISPUTE_TYPES for child in kids]
    Category.objects.filter(
        kind="dispute", parent__name__in=names, name__in=children, cases__isnull=True
    ).delete()
    Category.objects.filter(
        kind="dispute", parent=None, name__in=names, cases__isnull=True, children__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial"), ("cases", "0011_clock_owner_and_suspension")]

    operations = [migrations.RunPython(seed, unseed)]
