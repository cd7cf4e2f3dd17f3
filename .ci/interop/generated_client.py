"""The Python client that openapi-python-client generated from the served document, used as an
integrator would: a token, a list with `fields` as a list, filters (named, and free-form), a page,
and an order's details fetched again with If-None-Match. What it answers is checked against the
whole list read once, filtered and paged here in Python.

Environment: INTEROP_BASE_URL, INTEROP_CA_FILE, INTEROP_CLIENT_ID, INTEROP_CLIENT_SECRET,
INTEROP_API_KEY; the generated package `order_tracking_client` on PYTHONPATH.
"""

import datetime
import os

from order_tracking_client import AuthenticatedClient, Client
from order_tracking_client.api.oauth import issue_token
from order_tracking_client.api.orders import get_order, list_orders
from order_tracking_client.models import GrantType, ListOrdersFieldsItem, ListOrdersFilters, TokenRequestForm
from order_tracking_client.types import UNSET

BASE = os.environ["INTEROP_BASE_URL"]
CA = os.environ["INTEROP_CA_FILE"]
HEADERS = {"X-Api-Key": os.environ["INTEROP_API_KEY"]}


def check(condition, what):
    if not condition:
        raise SystemExit(f"generated client: {what}")
    print(f"ok: {what}")


# The token endpoint takes the client's credentials as HTTP Basic (the document's `basic` scheme).
anonymous = Client(base_url=BASE, verify_ssl=CA, httpx_args={"auth": (os.environ["INTEROP_CLIENT_ID"], os.environ["INTEROP_CLIENT_SECRET"])})
token = issue_token.sync(client=anonymous, body=TokenRequestForm(grant_type=GrantType.CLIENT_CREDENTIALS))
check(token is not None and token.access_token and token.token_type.lower() == "bearer", "a bearer token from the token endpoint")

client = AuthenticatedClient(base_url=BASE, token=token.access_token, verify_ssl=CA, headers=HEADERS)

everything = list_orders.sync_detailed(client=client, sort="id", limit=1000)
check(everything.status_code == 200, "the whole list, sorted by id")
orders = everything.parsed
total = int(everything.headers["x-total-count"])
check(total == len(orders) > 20, f"X-Total-Count ({total}) counts every order of the customer")
ids = [order.id for order in orders]
check(ids == sorted(ids), "sort=id orders by id")

# `fields` as a list: the generated client sends it as repeated keys.
chosen = list_orders.sync_detailed(client=client, fields=[ListOrdersFieldsItem.STATUS, ListOrdersFieldsItem.SITE], sort="id", limit=7)
check(chosen.status_code == 200 and chosen.headers["x-result-count"] == "7", "fields as a list: 200, seven orders")
check(
    all(o.status is not UNSET and o.site is not UNSET and o.order_date is UNSET and o.request is UNSET for o in chosen.parsed),
    "only id, status and site come back",
)
check([o.status for o in chosen.parsed] == [o.status for o in orders[:7]], "the selected fields hold the full orders' values")

# A named filter, repeated: any of the statuses.
statuses = sorted({str(o.status) for o in orders})[:2]
by_status = list_orders.sync(client=client, status=statuses, sort="id", limit=1000)
check([o.id for o in by_status] == [o.id for o in orders if str(o.status) in statuses], f"status={statuses} keeps those orders")

# A date filter takes a datetime; the free-form object carries any other path and operator.
middle = sorted(o.order_date for o in orders)[len(orders) // 2]
recent = list_orders.sync(client=client, order_date_gte=middle, sort="id", limit=1000)
check([o.id for o in recent] == [o.id for o in orders if o.order_date >= middle], "orderDate.gte as a datetime")
free_form = ListOrdersFilters()
free_form["orderDate.lt"] = middle.isoformat()
free_form["id.ne"] = ids[0]
older = list_orders.sync(client=client, filters=free_form, sort="id", limit=1000)
check([o.id for o in older] == [o.id for o in orders if o.order_date < middle and o.id != ids[0]], "free-form filters")

# A page of the sorted list.
page = list_orders.sync_detailed(client=client, sort="id", offset=5, limit=5)
check([o.id for o in page.parsed] == ids[5:10], "offset=5&limit=5 is the sixth to tenth orders")
check(page.headers["x-result-count"] == "5" and int(page.headers["x-total-count"]) == total, "its count headers")

# An order's details, then the same again with its ETag: 304, nothing sent.
first = get_order.sync_detailed(ids[3], client=client)
check(first.status_code == 200 and first.parsed.id == ids[3], "an order's details")
check(first.parsed.to_dict() == orders[3].to_dict(), "the details match the list's entry")
etag = first.headers["etag"]
again = get_order.sync_detailed(ids[3], client=client, if_none_match=etag)
check(again.status_code == 304 and again.content == b"", f"If-None-Match {etag}: 304 without a body")
missing = get_order.sync_detailed("no-such-order", client=client)
check(missing.status_code == 404 and missing.parsed.code == 60, "an unknown order: 404, code 60")

print(f"generated client: every call worked ({datetime.datetime.now(datetime.UTC):%H:%M:%S})")
