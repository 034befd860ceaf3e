"""The kinds of key place and their first checklists, as the app ships them.

Seeded by migration 0002 and made again by :func:`ensure_defaults` when missing (a flushed
database keeps no migration rows). An office edits the kinds in the admin and the checklists
on the checklist page (each edit a new version); ensure_defaults never touches a kind or a
checklist that exists.

The items check conditions of the place; none asks for a guest register or a user log (旅馆业
治安管理办法 art. 6, 网吧条例 art. 23: that data is for the police and culture authorities).
"""

from __future__ import annotations

FIRE = [
    ("安全出口、疏散通道畅通，未锁闭、未堵塞", "《消防法》第二十八条"),
    ("灭火器等消防器材配置齐全、在有效期内、位置明显", "《消防法》第十六条"),
    ("电气线路无私拉乱接、无超负荷用电", "《消防法》第二十七条"),
    ("应急照明、疏散指示标志完好有效", "《消防法》第十六条"),
]
LICENCE = ("营业执照等证照悬挂于经营场所醒目位置", "《市场主体登记管理条例》第三十六条")

#: code, name, usual authority, items (text, basis) after the fire items.
KINDS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "hotel",
        "宾馆",
        "police",
        [
            LICENCE,
            ("特种行业许可证公示", "《旅馆业治安管理办法》第四条"),
            (
                "住宿登记制度落实（只核查制度是否落实，不调取、不记录旅客信息）",
                "《旅馆业治安管理办法》第六条",
            ),
        ],
    ),
    (
        "internet_cafe",
        "网吧",
        "culture",
        [
            (
                "显著位置悬挂《网络文化经营许可证》和营业执照",
                "《互联网上网服务营业场所管理条例》第二十条",
            ),
            ("入口处显著位置悬挂未成年人禁入标志", "《互联网上网服务营业场所管理条例》第二十一条"),
            ("未接纳未成年人进入营业场所", "《互联网上网服务营业场所管理条例》第二十一条"),
            (
                "距中学、小学校园200米以外，且不在居民住宅楼（院）内",
                "《互联网上网服务营业场所管理条例》第九条",
            ),
            ("每日0时至8时未营业", "《互联网上网服务营业场所管理条例》第二十二条"),
        ],
    ),
    (
        "entertainment",
        "娱乐场所",
        "culture",
        [
            ("显著位置悬挂娱乐经营许可证和营业执照", "《娱乐场所管理条例》"),
            ("歌舞娱乐场所未接纳未成年人", "《娱乐场所管理条例》第二十三条"),
            ("每日凌晨2时至上午8时未营业", "《娱乐场所管理条例》第二十八条"),
        ],
    ),
    (
        "school_surroundings",
        "学校周边",
        "police",
        [
            ("校园周边200米内无网吧、歌舞娱乐场所", "《互联网上网服务营业场所管理条例》第九条"),
            ("校门口交通安全设施（减速带、警示标志、护栏）完好", "《道路交通安全法》"),
            ("周边食品摊点有经营许可或备案，无“三无”食品", "《食品安全法》第三十五条"),
            ("周边无占道经营、流动摊贩聚集", ""),
        ],
    ),
    (
        "market",
        "农贸市场",
        "market",
        [
            LICENCE,
            ("食品经营者证照公示", "《食品安全法》第三十五条"),
            ("食用农产品进货查验记录完整", "《食品安全法》第六十五条"),
            ("生熟分开，防蝇、防尘、防鼠设施完好", "《食品安全法》第三十三条"),
            ("活禽销售区与其他区域隔离", ""),
        ],
    ),
    (
        "construction_site",
        "建筑工地",
        "emergency",
        [
            ("施工围挡完整，临边、洞口防护到位", "《建设工程安全生产管理条例》"),
            ("特种作业人员持证上岗", "《安全生产法》第三十条"),
            ("施工现场醒目位置设立维权信息告示牌", "《保障农民工工资支付条例》第三十四条"),
        ],
    ),
    (
        "enterprise",
        "企业",
        "emergency",
        [
            LICENCE,
            ("安全生产责任制和事故隐患排查治理制度落实", "《安全生产法》第四条、第四十一条"),
            ("危险物品按规定储存、标识", "《安全生产法》第三十九条"),
            ("特种作业人员持证上岗", "《安全生产法》第三十条"),
        ],
    ),
]


def default_items(code: str) -> list[tuple[str, str]]:
    for kind_code, _name, _authority, own in KINDS:
        if kind_code == code:
            return FIRE + own
    return list(FIRE)


def ensure_defaults(place_kind=None, checklist=None, checklist_item=None) -> int:
    """Make each default kind of place that is missing, with its first checklist. The model
    classes may be passed (a migration's historical models). Returns how many kinds were made."""
    if place_kind is None:
        from huiyin.patrols.models import Checklist, ChecklistItem, PlaceKind

        place_kind, checklist, checklist_item = PlaceKind, Checklist, ChecklistItem
    have = set(place_kind.objects.values_list("code", flat=True))
    names = set(place_kind.objects.values_list("name", flat=True))
    made = 0
    for order, (code, name, authority, _own) in enumerate(KINDS, start=1):
        if code in have or name in names:
            continue
        kind = place_kind.objects.create(
            code=code, name=name, authority=authority, order=order * 10
        )
        first = checklist.objects.create(kind=kind, version=1, note="")
        checklist_item.objects.bulk_create(
            [
                checklist_item(checklist=first, order=index, text=text, basis=basis)
                for index, (text, basis) in enumerate(default_items(code), start=1)
            ]
        )
        made += 1
    return made
