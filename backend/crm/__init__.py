"""The CRM integration: complaints go to Jakarta's CRM exactly once, and its
statuses come back.

- client.py      the Open311 GeoReport v2 client (httpx), model-free
- payload.py     what a complaint sends to the CRM (and, for anonymous ones, what it never sends)
- relay.py       the outbox relay: claims due rows with a lease, sends concurrently, retries, gives up by time
- forwarding.py  "forwarded": the one path the relay and manual entry share
- manual.py      recording a CRM number typed by hand (CRM_MODE=manual)
- outbox.py      queue counts for /healthz and the CLI, re-sending a given-up complaint
- sync.py        status sync: the CRM's statuses become timeline events, each once
- cli.py         `flask crm ...`
- standin/       a separate small Flask app playing the CRM in development and tests

This package must not import `kiosk` (the relay runs without the web layer);
`standin/` imports nothing of the rest of the product. See README.md here.
"""
