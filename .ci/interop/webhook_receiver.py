"""A webhook receiver as an integrator writes one, with the standardwebhooks library: subscribe it
through the hub, ping it, change an order with `admin import`, rotate the secret, and check that
every delivery verifies with the library (and that a tampered body does not).

Reads INTEROP_BASE_URL, INTEROP_CA_FILE, INTEROP_CLIENT_ID, INTEROP_CLIENT_SECRET, INTEROP_API_KEY,
INTEROP_BIN (the server binary) and INTEROP_CUSTOMER from the environment (.ci/interop/run)."""

import json
import os
import queue
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

BASE = os.environ["INTEROP_BASE_URL"]
CA = os.environ["INTEROP_CA_FILE"]
API = f"{BASE}/order-tracking/b2b/v1"
received: "queue.Queue[tuple[bytes, dict[str, str]]]" = queue.Queue()


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        received.put((body, {name.lower(): value for name, value in self.headers.items()}))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def next_delivery(what: str) -> tuple[bytes, dict[str, str]]:
    try:
        return received.get(timeout=20)
    except queue.Empty:
        raise SystemExit(f"no webhook came for {what} within 20 s")


def session() -> requests.Session:
    token = requests.post(f"{BASE}/oauth/v3/token", auth=(os.environ["INTEROP_CLIENT_ID"], os.environ["INTEROP_CLIENT_SECRET"]),
                          data={"grant_type": "client_credentials"}, verify=CA, timeout=10)
    token.raise_for_status()
    calls = requests.Session()
    calls.verify = CA
    calls.headers.update({"Authorization": f"Bearer {token.json()['access_token']}", "X-Api-Key": os.environ["INTEROP_API_KEY"]})
    return calls


def change_status(calls: requests.Session, order_id: str) -> None:
    order = calls.get(f"{API}/orders/{order_id}", timeout=10).json()
    order["status"] = "Closed" if order["status"] == "Current" else "Current"
    subprocess.run([os.environ["INTEROP_BIN"], "admin", "import", "--customer", os.environ["INTEROP_CUSTOMER"], "--json", "-"],
                   input=json.dumps(order).encode(), check=True, stdout=subprocess.DEVNULL)


def verified(secret: str, body: bytes, headers: dict[str, str], what: str) -> dict:
    try:
        return Webhook(secret).verify(body, headers)
    except WebhookVerificationError as error:
        raise SystemExit(f"{what}: standardwebhooks refused the signature: {error}")


def main() -> None:
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    callback = f"http://127.0.0.1:{server.server_port}/hook"
    calls = session()

    made = calls.post(f"{API}/hub", json={"callback": callback, "query": "eventType=OrderStateChangeEvent"}, timeout=10)
    assert made.status_code == 201, made.text
    subscription = made.json()
    secret = subscription["secret"]

    pinged = calls.post(f"{API}/hub/{subscription['id']}/ping", timeout=30).json()
    assert pinged["delivered"], pinged
    body, headers = next_delivery("the ping")
    assert verified(secret, body, headers, "the ping")["eventType"] == "PingEvent"
    try:
        Webhook(secret).verify(body.replace(b"PingEvent", b"PongEvent"), headers)
        raise SystemExit("standardwebhooks accepted a tampered body: the check proves nothing")
    except WebhookVerificationError:
        pass

    order_id = calls.get(f"{API}/orders?limit=1&fields=id", timeout=10).json()[0]["id"]
    change_status(calls, order_id)
    body, headers = next_delivery("an order's state change")
    event = verified(secret, body, headers, "the state change")
    assert (event["eventType"], event["event"]["order"]["id"], event["changedFields"]) == ("OrderStateChangeEvent", order_id, ["status"]), event

    rotated = calls.post(f"{API}/hub/{subscription['id']}/secret", timeout=10).json()["secret"]
    change_status(calls, order_id)
    body, headers = next_delivery("the change after the rotation")
    assert len(headers["webhook-signature"].split(" ")) == 2, headers["webhook-signature"]
    verified(rotated, body, headers, "the new secret")
    verified(secret, body, headers, "the old secret, for a day after the rotation")

    assert calls.delete(f"{API}/hub/{subscription['id']}", timeout=10).status_code == 204
    server.shutdown()
    print("standardwebhooks verified the ping, a state change and both secrets after a rotation")


if __name__ == "__main__":
    start = time.monotonic()
    main()
    print(f"webhooks took {time.monotonic() - start:.1f} s")
