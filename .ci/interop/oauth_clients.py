"""OAuth 2.0 client libraries that integrators use, none written here, against the TLS listener:
authlib's httpx clients (sync and async) with client_secret_basic and client_secret_post, and
requests-oauthlib's BackendApplicationClient, whose https check stays on. Each gets a token by
the client-credentials grant, lists orders and fetches one; every client must see the same.

Environment: INTEROP_BASE_URL, INTEROP_CA_FILE, INTEROP_CLIENT_ID, INTEROP_CLIENT_SECRET, INTEROP_API_KEY.
"""

import asyncio
import os
import ssl

from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client
from oauthlib.oauth2 import BackendApplicationClient, InsecureTransportError
from requests_oauthlib import OAuth2Session

BASE = os.environ["INTEROP_BASE_URL"]
TOKEN_URL = f"{BASE}/oauth/v3/token"
ORDERS_URL = f"{BASE}/order-tracking/b2b/v1/orders"
CLIENT_ID = os.environ["INTEROP_CLIENT_ID"]
CLIENT_SECRET = os.environ["INTEROP_CLIENT_SECRET"]
API_KEY = {"X-Api-Key": os.environ["INTEROP_API_KEY"]}
CA = os.environ["INTEROP_CA_FILE"]
TRUST = ssl.create_default_context(cafile=CA)
SEEN = {}


def check(condition, what):
    if not condition:
        raise SystemExit(f"oauth clients: {what}")
    print(f"ok: {what}")


def record(name, token, listing, detail):
    """What one client got: a bearer token, a compressed list, the first order's details."""
    check(token["token_type"].lower() == "bearer" and token["access_token"], f"{name}: a bearer token")
    check(listing.status_code == 200 and detail.status_code == 200, f"{name}: the list and an order's details, 200")
    # The libraries ask for gzip; the list is well above the size worth compressing.
    check(listing.headers.get("content-encoding") == "gzip", f"{name}: the list came gzip-compressed, and decoded")
    ids = [order["id"] for order in listing.json()]
    check(detail.json()["id"] == ids[0], f"{name}: the details are of the order asked for")
    SEEN[name] = (ids, listing.headers["x-total-count"])


def authlib_sync(method):
    with OAuth2Client(CLIENT_ID, CLIENT_SECRET, token_endpoint_auth_method=method, verify=TRUST) as client:
        token = client.fetch_token(TOKEN_URL, grant_type="client_credentials")
        listing = client.get(ORDERS_URL, params={"sort": "id", "limit": 20}, headers=API_KEY)
        detail = client.get(f"{ORDERS_URL}/{listing.json()[0]['id']}", headers=API_KEY)
        record(f"authlib sync, {method}", token, listing, detail)


async def authlib_async(method):
    async with AsyncOAuth2Client(CLIENT_ID, CLIENT_SECRET, token_endpoint_auth_method=method, verify=TRUST) as client:
        token = await client.fetch_token(TOKEN_URL, grant_type="client_credentials")
        listing = await client.get(ORDERS_URL, params={"sort": "id", "limit": 20}, headers=API_KEY)
        detail = await client.get(f"{ORDERS_URL}/{listing.json()[0]['id']}", headers=API_KEY)
        record(f"authlib async, {method}", token, listing, detail)


def requests_oauthlib():
    check(not os.environ.get("OAUTHLIB_INSECURE_TRANSPORT"), "requests-oauthlib: its insecure switch is off")
    session = OAuth2Session(client=BackendApplicationClient(client_id=CLIENT_ID))
    try:
        session.fetch_token(TOKEN_URL.replace("https://", "http://"), client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        raise SystemExit("oauth clients: requests-oauthlib fetched a token over plain http")
    except InsecureTransportError:
        print("ok: requests-oauthlib refuses plain http, as it should")
    token = session.fetch_token(TOKEN_URL, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, verify=CA)
    listing = session.get(ORDERS_URL, params={"sort": "id", "limit": 20}, headers=API_KEY, verify=CA)
    detail = session.get(f"{ORDERS_URL}/{listing.json()[0]['id']}", headers=API_KEY, verify=CA)
    record("requests-oauthlib", token, listing, detail)


for method in ("client_secret_basic", "client_secret_post"):
    authlib_sync(method)
    asyncio.run(authlib_async(method))
requests_oauthlib()
check(len(set(map(repr, SEEN.values()))) == 1 and len(SEEN) == 5, "every client saw the same orders and total")
print("oauth clients: every client worked")
