"""The Marketing API part of the fake Graph API: campaigns, ad sets, creatives, ads and insights.

Shapes follow docs/meta-graph-api.md §5 and §9: `POST /act_{id}/campaigns|adsets|adcreatives|ads`
answer `{"id"}`, the same edges list with `fields`, `filtering` and cursors, and
`GET /{campaign-or-adset}/insights` answers numbers as strings with `date_start`/`date_stop`.

Delivery is invented but deterministic: each ad set "reaches" a number of people each day derived
from a hash of its id and the date, as if the ads ran (real PAUSED ads report nothing). Reach is
de-duplicated the way Meta's is, so nobody can get totals by adding it up: an ad set's reach over
a range is at least its best day and less than the sum of its days, and a campaign's reach is at
least its largest ad set's and less than their sum.

The EU: since 6 October 2025 Meta refuses social-issue ads there. An ad set of a campaign in
ISSUES_ELECTIONS_POLITICS whose targeting is in the EU is refused with code 100 and the subcode
below; other EU ad sets need dsa_beneficiary and dsa_payor. Whether a point is in the EU is
judged from `countries` or from coarse boxes around member states: good enough for a fake.
"""

import base64
import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

from .fields import FieldSyntaxError, parse_fields

# (unverified) Meta's documentation found no subcode for the EU refusal; this one is the fake's.
EU_ISSUE_ADS_SUBCODE = 3858495
EU_ISSUE_ADS_TITLE = "Ads about social issues, elections or politics aren't allowed in the EU"
EU_ISSUE_ADS_MESSAGE = (
    "Since October 2025, ads about social issues, elections or politics can't be delivered in the "
    "European Union. Remove EU locations from this ad set's targeting."
)
EU_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
# (lat_min, lat_max, lon_min, lon_max): coarse boxes, enough to tell Milan from Boston.
EU_BOXES = (
    (36.6, 47.1, 6.6, 18.6),  # Italy
    (42.3, 51.1, -4.8, 8.2),  # France
    (47.3, 55.1, 5.9, 15.1),  # Germany
    (36.0, 43.8, -9.3, 3.3),  # Spain
    (36.9, 42.2, -9.5, -6.2),  # Portugal
    (50.7, 53.6, 3.3, 7.2),  # Netherlands
    (49.5, 51.5, 2.5, 6.4),  # Belgium
    (46.4, 49.0, 9.5, 17.2),  # Austria
    (49.0, 54.9, 14.1, 24.2),  # Poland
    (51.4, 55.4, -10.5, -6.0),  # Ireland
    (34.8, 41.8, 19.4, 28.3),  # Greece
    (55.3, 69.1, 11.1, 24.2),  # Sweden
    (59.8, 70.1, 20.6, 31.6),  # Finland
    (54.6, 57.8, 8.0, 12.7),  # Denmark
)
OBJECTIVES = frozenset(
    {
        "OUTCOME_AWARENESS",
        "OUTCOME_ENGAGEMENT",
        "OUTCOME_TRAFFIC",
        "OUTCOME_LEADS",
        "OUTCOME_SALES",
        "OUTCOME_APP_PROMOTION",
    }
)
SPECIAL_AD_CATEGORIES = frozenset(
    {"NONE", "HOUSING", "EMPLOYMENT", "FINANCIAL_PRODUCTS_SERVICES", "ISSUES_ELECTIONS_POLITICS"}
)
STATUSES = frozenset({"ACTIVE", "PAUSED", "ARCHIVED"})
RADIUS = {"kilometer": (1.0, 80.0), "mile": (0.63, 50.0)}
INSIGHT_FIELDS = frozenset(
    {
        "account_id",
        "campaign_id",
        "campaign_name",
        "adset_id",
        "adset_name",
        "reach",
        "impressions",
        "frequency",
        "spend",
        "clicks",
        "cpm",
        "ctr",
        "date_start",
        "date_stop",
        "account_currency",
    }
)
POST_METRICS = frozenset(
    {
        "post_impressions_unique",
        "post_impressions",
        "post_reactions_by_type_total",
        "post_activity_by_action_type",
        "post_clicks",
    }
)
EDGE_KINDS = {"campaigns": "ad_campaign", "adsets": "adset", "adcreatives": "adcreative", "ads": "ad"}


def _error(
    code: int, message: str | None = None, *, subcode: int | None = None, title: str = "", text: str = ""
):
    from .app import GraphError  # app imports this module

    error = GraphError(code, message, subcode=subcode)
    if title:
        error.user_title, error.user_msg = title, text
    return error


def _invalid(message: str, **kw):
    return _error(100, f"(#100) {message}", **kw)


def _json_param(params: dict, name: str, default=None):
    value = params.get(name, default)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise _invalid(f"param {name} must be JSON") from exc
    return value


def _int_param(params: dict, name: str) -> int | None:
    if params.get(name) in (None, ""):
        return None
    try:
        return int(str(params[name]))
    except ValueError as exc:
        raise _invalid(f"param {name} must be an integer") from exc


def in_eu(targeting: dict) -> bool:
    geo = targeting.get("geo_locations") or {}
    if any(str(c).upper() in EU_COUNTRIES for c in geo.get("countries") or []):
        return True
    for place in geo.get("custom_locations") or []:
        try:
            lat, lon = float(place.get("latitude")), float(place.get("longitude"))
        except (TypeError, ValueError):
            continue
        if any(a <= lat <= b and c <= lon <= d for a, b, c, d in EU_BOXES):
            return True
    return False


def _hash(*parts) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def _day(adset_id: str, day: dt.date) -> dict:
    """One ad set's invented delivery on one day: unique people, impressions, spend, clicks."""
    h = _hash(adset_id, day.isoformat())
    reach = 150 + h % 450
    impressions = round(reach * (1.1 + (h >> 16) % 90 / 100))
    cpm = 4 + (h >> 32) % 500 / 100  # euros per thousand impressions
    clicks = round(impressions * (0.5 + (h >> 48) % 150 / 100) / 100)
    return {"reach": reach, "impressions": impressions, "spend": impressions * cpm / 1000, "clicks": clicks}


def _dedupe(reaches: list[int], overlap: float) -> int:
    """Unique people across parts that share some: at least the largest part, less than the sum."""
    if not reaches:
        return 0
    largest = max(reaches)
    return round(largest + (1 - overlap) * (sum(reaches) - largest))


def _figures(adset_ids: list[str], days: list[dt.date]) -> dict:
    per_adset = []
    impressions = clicks = 0
    spend = 0.0
    for adset_id in adset_ids:
        daily = [_day(adset_id, day) for day in days]
        per_adset.append(_dedupe([d["reach"] for d in daily], overlap=0.6))
        impressions += sum(d["impressions"] for d in daily)
        clicks += sum(d["clicks"] for d in daily)
        spend += sum(d["spend"] for d in daily)
    return {
        "reach": _dedupe(per_adset, overlap=0.2),
        "impressions": impressions,
        "clicks": clicks,
        "spend": spend,
    }


class AdsMixin:
    """Handlers found by FakeGraphApp.dispatch as `{method}_{kind}_{edge}`."""

    @staticmethod
    def ad_tables(state) -> tuple:
        return (
            ("ad_account", state.ad_accounts),
            ("ad_campaign", state.ad_campaigns),
            ("adset", state.adsets),
            ("adcreative", state.adcreatives),
            ("ad", state.ads),
        )

    # --- creating ---------------------------------------------------------------------------

    def _ads_write(self, ctx) -> None:
        self._require(ctx, "ads_management", code=200)

    def _ad_object(self, account: dict, kind: str, params: dict, **values) -> dict:
        name = str(params.get("name", "")).strip()
        if not name:
            raise _invalid("The parameter name is required")
        status = str(params.get("status", "")).upper()
        if status not in STATUSES:
            raise _invalid("param status must be one of {ACTIVE, PAUSED, ARCHIVED}")
        obj = {
            "id": str(120200000000000 + self.state._bump()),
            "account_id": account["id"],
            "kind": kind,
            "name": name,
            "status": status,
            "created_time": self.state.now(),
            # What the fake was sent, decoded, for tests to assert on (never the token).
            "params": {k: v for k, v in params.items() if k not in ("access_token", "appsecret_proof")},
            **values,
        }
        table = dict(self.ad_tables(self.state))[kind]
        table[obj["id"]] = obj
        return obj

    def post_ad_account_campaigns(self, ctx, account, params):
        self._ads_write(ctx)
        objective = str(params.get("objective", ""))
        if objective not in OBJECTIVES:
            raise _invalid("param objective must be one of {" + ", ".join(sorted(OBJECTIVES)) + "}")
        if "special_ad_categories" not in params:
            raise _invalid("The parameter special_ad_categories is required")
        categories = _json_param(params, "special_ad_categories")
        if not isinstance(categories, list) or not set(categories) <= SPECIAL_AD_CATEGORIES:
            raise _invalid("param special_ad_categories must be a list of known categories")
        countries = _json_param(params, "special_ad_category_country", [])
        if set(categories) - {"NONE"} and not countries:
            raise _invalid("special_ad_category_country is required for a special ad category")
        obj = self._ad_object(
            account,
            "ad_campaign",
            params,
            objective=objective,
            special_ad_categories=categories,
            special_ad_category_country=countries,
        )
        return {"id": obj["id"]}

    def post_ad_account_adsets(self, ctx, account, params):
        self._ads_write(ctx)
        campaign = self.state.ad_campaigns.get(str(params.get("campaign_id", "")))
        if campaign is None or campaign["account_id"] != account["id"]:
            raise _invalid("param campaign_id must be a campaign of this ad account")
        daily, lifetime = _int_param(params, "daily_budget"), _int_param(params, "lifetime_budget")
        if (daily is None) == (lifetime is None):
            raise _invalid("Set either daily_budget or lifetime_budget", subcode=1885621)
        if lifetime is not None and not params.get("end_time"):
            raise _invalid("end_time is required with lifetime_budget", subcode=1487047)
        if (daily or lifetime or 0) < 100:
            raise _invalid("The budget is too low", subcode=1885272)
        for name in ("optimization_goal", "billing_event"):
            if not params.get(name):
                raise _invalid(f"The parameter {name} is required")
        targeting = _json_param(params, "targeting")
        if not isinstance(targeting, dict) or not (targeting.get("geo_locations") or {}):
            raise _invalid("targeting must include geo_locations", subcode=1487756)
        self._check_targeting(targeting)
        if in_eu(targeting):
            if "ISSUES_ELECTIONS_POLITICS" in campaign["special_ad_categories"]:
                raise _invalid(
                    "Invalid parameter",
                    subcode=EU_ISSUE_ADS_SUBCODE,
                    title=EU_ISSUE_ADS_TITLE,
                    text=EU_ISSUE_ADS_MESSAGE,
                )
            if not params.get("dsa_beneficiary") or not params.get("dsa_payor"):
                raise _invalid("Ads targeting the EU need dsa_beneficiary and dsa_payor", subcode=3858082)
        obj = self._ad_object(
            account,
            "adset",
            params,
            campaign_id=campaign["id"],
            targeting=targeting,
            daily_budget=daily,
            lifetime_budget=lifetime,
        )
        return {"id": obj["id"]}

    def _check_targeting(self, targeting: dict) -> None:
        for place in (targeting.get("geo_locations") or {}).get("custom_locations") or []:
            unit = place.get("distance_unit", "mile")
            if unit not in RADIUS:
                raise _invalid("distance_unit must be mile or kilometer")
            low, high = RADIUS[unit]
            try:
                radius = float(place.get("radius"))
                float(place["latitude"]), float(place["longitude"])
            except (KeyError, TypeError, ValueError) as exc:
                raise _invalid("custom_locations need latitude, longitude and radius") from exc
            if not low <= radius <= high:
                raise _invalid(f"radius must be between {low:g} and {high:g} {unit}s", subcode=1487941)
        age_min, age_max = targeting.get("age_min", 18), targeting.get("age_max", 65)
        if not (isinstance(age_min, int) and isinstance(age_max, int) and 13 <= age_min <= age_max <= 65):
            raise _invalid("age_min and age_max must be whole numbers with 13 <= age_min <= age_max <= 65")
        locales = targeting.get("locales", [])
        if not isinstance(locales, list) or len(locales) > 50 or not all(isinstance(x, int) for x in locales):
            raise _invalid("locales must be a list of at most 50 locale ids")
        automation = targeting.get("targeting_automation") or {}
        if automation.get("advantage_audience") not in (0, 1):
            # Since v23 it must be explicit (docs/meta-graph-api.md §5).
            raise _invalid("targeting_automation.advantage_audience must be set to 0 or 1", subcode=1870227)

    def post_ad_account_adcreatives(self, ctx, account, params):
        self._ads_write(ctx)
        story_id = str(params.get("object_story_id", ""))
        spec = _json_param(params, "object_story_spec")
        if story_id:
            post = self.state.posts.get(story_id)
            if post is None or post["deleted"]:
                raise _invalid("param object_story_id must be a post of your Page", subcode=1487472)
        elif isinstance(spec, dict) and spec.get("page_id") in self.state.pages:
            link_data = spec.get("link_data") or {}
            if not link_data.get("link"):
                raise _invalid("object_story_spec.link_data.link is required", subcode=1443048)
        else:
            raise _invalid("Set object_story_id or object_story_spec with your page_id")
        obj = self._ad_object(
            account,
            "adcreative",
            {"status": "ACTIVE", **params},
            object_story_id=story_id,
            object_story_spec=spec,
        )
        if not story_id:
            # Meta turns a spec into a dark post of the Page, whose comments are read from ads_posts.
            post = self.state.add_post(
                page_id=spec["page_id"], message=link_data.get("message", ""), kind="ad"
            )
            obj["effective_object_story_id"] = post["id"]
        else:
            obj["effective_object_story_id"] = story_id
        return {"id": obj["id"]}

    def post_ad_account_ads(self, ctx, account, params):
        self._ads_write(ctx)
        adset = self.state.adsets.get(str(params.get("adset_id", "")))
        if adset is None or adset["account_id"] != account["id"]:
            raise _invalid("param adset_id must be an ad set of this ad account")
        creative = _json_param(params, "creative")
        creative_id = str((creative or {}).get("creative_id", "")) if isinstance(creative, dict) else ""
        if creative_id not in self.state.adcreatives:
            raise _invalid('param creative must be {"creative_id": …} of this ad account')
        obj = self._ad_object(
            account,
            "ad",
            params,
            adset_id=adset["id"],
            campaign_id=adset["campaign_id"],
            creative_id=creative_id,
        )
        return {"id": obj["id"]}

    # --- reading ----------------------------------------------------------------------------

    def _ad_values(self, obj: dict) -> dict:
        values = {k: v for k, v in obj.items() if k not in ("params", "kind")}
        values["created_time"] = _graph_time(obj["created_time"])
        values["effective_status"] = obj["status"]
        values["account_id"] = obj["account_id"].removeprefix("act_")
        for budget in ("daily_budget", "lifetime_budget"):
            if values.get(budget) is not None:
                values[budget] = str(values[budget])  # Meta sends money as strings
            else:
                values.pop(budget, None)
        if obj["kind"] == "ad":
            values["creative"] = {"id": obj["creative_id"]}
        for name in (
            "end_time",
            "start_time",
            "dsa_beneficiary",
            "dsa_payor",
            "optimization_goal",
            "billing_event",
        ):
            if name in obj["params"]:
                values[name] = obj["params"][name]
        return values

    def _ad_render(self, obj: dict, params: dict) -> dict:
        try:
            specs = parse_fields(params.get("fields") or "id")
        except FieldSyntaxError as exc:
            raise _invalid(str(exc)) from exc
        values = self._ad_values(obj)
        out = {}
        for spec in specs:
            if spec.name not in values:
                raise _invalid(f"Tried accessing nonexisting field ({spec.name})")
            out[spec.name] = values[spec.name]
        return out

    def _ad_listing(self, ctx, account, kind: str, params: dict) -> dict:
        self._require(ctx, "ads_read", "ads_management", code=200)
        table = dict(self.ad_tables(self.state))[kind]
        items = sorted(
            (o for o in table.values() if o["account_id"] == account["id"]), key=lambda o: int(o["id"])
        )
        for rule in _json_param(params, "filtering", []) or []:
            field, operator, value = (
                rule.get("field"),
                str(rule.get("operator", "")).upper(),
                rule.get("value"),
            )
            if operator == "EQUAL":
                items = [o for o in items if str(self._ad_values(o).get(field, "")) == str(value)]
            elif operator == "CONTAIN":
                items = [o for o in items if str(value) in str(self._ad_values(o).get(field, ""))]
            elif operator == "IN":
                items = [o for o in items if str(self._ad_values(o).get(field, "")) in map(str, value or [])]
            else:
                raise _invalid("filtering operator must be EQUAL, CONTAIN or IN")
        limit = max(1, min(100, _int_param(params, "limit") or 25))
        start = 0
        if params.get("after"):
            try:
                start = int(base64.urlsafe_b64decode(params["after"] + "==").decode())
            except ValueError as exc:
                raise _invalid("The parameter after is not a valid cursor") from exc
        window = items[start : start + limit]
        body: dict = {"data": [self._ad_render(o, params) for o in window]}
        if window:
            cursor = base64.urlsafe_b64encode(str(start + len(window)).encode()).decode().rstrip("=")
            body["paging"] = {"cursors": {"before": "MA", "after": cursor}}
            if start + limit < len(items):
                edge = next(e for e, k in EDGE_KINDS.items() if k == kind)
                body["paging"]["next"] = self._link(ctx, f"{account['id']}/{edge}", params, after=cursor)
        return body

    def get_ad_account(self, ctx, account, params):
        values = {
            "id": account["id"],
            "account_id": account["id"].removeprefix("act_"),
            "name": "Sandbox ads",
            "currency": "EUR",
            "account_status": 1,
            "timezone_name": account.get("timezone_name", "UTC"),
        }
        wanted = (params.get("fields") or "id").split(",")
        return {k: values[k] for k in wanted if k in values}

    def get_ad_account_campaigns(self, ctx, account, params):
        return self._ad_listing(ctx, account, "ad_campaign", params)

    def get_ad_account_adsets(self, ctx, account, params):
        return self._ad_listing(ctx, account, "adset", params)

    def get_ad_account_adcreatives(self, ctx, account, params):
        return self._ad_listing(ctx, account, "adcreative", params)

    def get_ad_account_ads(self, ctx, account, params):
        return self._ad_listing(ctx, account, "ad", params)

    def get_ad_campaign(self, ctx, obj, params):
        return self._ad_render(obj, params)

    def get_adset(self, ctx, obj, params):
        return self._ad_render(obj, params)

    def get_adcreative(self, ctx, obj, params):
        return self._ad_render(obj, params)

    def get_ad(self, ctx, obj, params):
        return self._ad_render(obj, params)

    # --- insights ---------------------------------------------------------------------------

    def _days(self, obj: dict, params: dict) -> list[dt.date]:
        # Days are the ad account's (its timezone_name), as Meta reports them.
        account = self.state.ad_accounts.get(obj.get("account_id", ""), {})
        zone = ZoneInfo(account.get("timezone_name") or "UTC")
        today = dt.datetime.fromtimestamp(self.state.now(), tz=zone).date()
        if params.get("time_range"):
            time_range = _json_param(params, "time_range")
            try:
                since = dt.date.fromisoformat(time_range["since"])
                until = dt.date.fromisoformat(time_range["until"])
            except (TypeError, KeyError, ValueError) as exc:
                raise _invalid("param time_range must be {'since':YYYY-MM-DD,'until':YYYY-MM-DD}") from exc
            if since > until:
                raise _invalid("time_range since must not be after until")
        else:
            preset = params.get("date_preset", "last_30d")
            presets = {"today": 0, "last_7d": 7, "last_30d": 30, "last_90d": 90}
            if preset == "maximum":
                since = dt.datetime.fromtimestamp(obj["created_time"], tz=zone).date()
            elif preset in presets:
                since = today - dt.timedelta(days=presets[preset])
            else:
                raise _invalid("param date_preset is not a supported preset")
            until = today if preset in ("today", "maximum") else today - dt.timedelta(days=1)
        until = min(until, today)  # nothing delivered in the future
        return [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]

    def _insights(self, ctx, obj: dict, adsets: list[dict], params: dict) -> dict:
        self._require(ctx, "ads_read", "ads_management", code=10)
        wanted = (params.get("fields") or "date_start,date_stop,impressions,spend").split(",")
        unknown = [f for f in wanted if f not in INSIGHT_FIELDS]
        if unknown:
            raise _invalid(f"{unknown[0]} is not valid for fields param")
        days = self._days(obj, params)
        increment = str(params.get("time_increment", "all_days"))
        if increment not in ("1", "all_days"):
            raise _invalid("param time_increment must be 1 or all_days")
        ranges = [[day] for day in days] if increment == "1" else ([days] if days else [])
        campaign = self.state.ad_campaigns.get(obj.get("campaign_id", obj["id"]), {})
        rows = []
        for span in ranges:
            figures = _figures([a["id"] for a in adsets], span)
            if not figures["reach"]:
                continue
            values = {
                "account_id": obj["account_id"].removeprefix("act_"),
                "account_currency": "EUR",
                "campaign_id": campaign.get("id", ""),
                "campaign_name": campaign.get("name", ""),
                "adset_id": obj["id"] if obj["kind"] == "adset" else "",
                "adset_name": obj["name"] if obj["kind"] == "adset" else "",
                "reach": str(figures["reach"]),
                "impressions": str(figures["impressions"]),
                "frequency": f"{figures['impressions'] / figures['reach']:.6f}",
                "spend": f"{figures['spend']:.2f}",
                "clicks": str(figures["clicks"]),
                "cpm": f"{1000 * figures['spend'] / figures['impressions']:.6f}",
                "ctr": f"{100 * figures['clicks'] / figures['impressions']:.6f}",
                "date_start": span[0].isoformat(),
                "date_stop": span[-1].isoformat(),
            }
            row = {k: values[k] for k in wanted if values[k] != ""}
            # Meta always sends the row's range, asked for or not.
            rows.append(row | {"date_start": values["date_start"], "date_stop": values["date_stop"]})
        return {"data": rows, "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}}

    def get_adset_insights(self, ctx, adset, params):
        return self._insights(ctx, adset, [adset], params)

    def get_ad_campaign_insights(self, ctx, campaign, params):
        adsets = [a for a in self.state.adsets.values() if a["campaign_id"] == campaign["id"]]
        return self._insights(ctx, campaign, adsets, params)

    def get_post_insights(self, ctx, post, params):
        """Page post insights (lifetime): reach, impressions, reactions, comments, shares."""
        self._require(ctx, "pages_read_engagement", code=10)
        metrics = [m for m in str(params.get("metric", "")).split(",") if m]
        if not metrics or any(m not in POST_METRICS for m in metrics):
            raise _invalid("The value must be a valid insights metric")
        h = _hash(post["id"])
        reach = 300 + h % 4000
        impressions = round(reach * (1.05 + (h >> 16) % 60 / 100))
        comments = sum(
            1 for c in self.state.comments.values() if c["post_id"] == post["id"] and not c["deleted"]
        )
        likes, loves, shares = (h >> 24) % 120, (h >> 32) % 30, (h >> 40) % 25
        values = {
            "post_impressions_unique": reach,
            "post_impressions": impressions,
            "post_reactions_by_type_total": {"like": likes, "love": loves},
            "post_activity_by_action_type": {"comment": comments, "like": likes + loves, "share": shares},
            "post_clicks": (h >> 48) % 200,
        }
        return {
            "data": [
                {
                    "name": metric,
                    "period": "lifetime",
                    "values": [{"value": values[metric]}],
                    "id": f"{post['id']}/insights/{metric}/lifetime",
                }
                for metric in metrics
            ]
        }


def _graph_time(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
