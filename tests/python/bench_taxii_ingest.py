"""TAXII ingest benchmark client (scripts/bench-taxii): POSTs N indicators in envelopes of PER
objects to one collection over one keep-alive connection and prints objects/s.

Usage: bench_taxii_ingest.py BASE_URL COLLECTION_ID TOKEN N PER
"""
import json
import sys
import time
import uuid

import requests

base, collection, token, n, per = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
url = f"{base}/taxii2/bench/collections/{collection}/objects/"
green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
bodies = []
for start in range(0, n, per):
    objs = []
    for i in range(start, min(n, start + per)):
        objs.append({"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=i + 1, version=4)}",
                     "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z", "name": f"bench {i}",
                     "pattern": f"[ipv4-addr:value = '10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}']", "pattern_type": "stix",
                     "valid_from": "2024-03-01T10:00:00Z", "object_marking_refs": [green]})
    bodies.append(json.dumps({"objects": objs}))
session = requests.Session()
headers = {"Authorization": f"Bearer {token}", "Accept": "application/taxii+json;version=2.1",
           "Content-Type": "application/taxii+json;version=2.1"}
ok = 0
t0 = time.perf_counter()
for body in bodies:
    r = session.post(url, data=body, headers=headers)
    r.raise_for_status()
    ok += r.json()["success_count"]
elapsed = time.perf_counter() - t0
assert ok == n, f"{ok} of {n} objects accepted"
print(f"TAXII POST ingest (SQLite, {per} objects per envelope): {n} objects in {elapsed:.2f} s = {n / elapsed:,.0f} objects/s")
