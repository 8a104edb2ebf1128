"""ward against the OASIS reference tools: taxii2-client walks every TAXII 2.1 endpoint, stix2
parses what ward serves, and stix2-validator validates a bundle ward exports.

Usage: taxii_interop.py BASE_URL COLLECTION_ID EMAIL PASSWORD EXPORT_PATH
Exit 0 when every check passed; any failure raises (non-zero exit) with the reason.

Validator flags: version 2.1, --strict (warnings are errors) and --enforce-refs (every
reference resolves inside the bundle). Not --interop: its schemas require misspelled malware
properties and modified/created_by_ref on the canonical TLP 2.0 marking definitions, so valid
objects cannot pass it (see shared/research/threat-sharing.md §5.2).
"""
import json
import sys
import uuid

import requests
import stix2
import stix2validator
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

BASE, COLLECTION_ID, EMAIL, PASSWORD, EXPORT_PATH = sys.argv[1:6]
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER_TLP1 = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
TLP_OBJECTS = [
    {"type": "marking-definition", "spec_version": "2.1", "id": GREEN, "created": "2022-10-01T00:00:00.000Z", "name": "TLP:GREEN",
     "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"extension_type": "property-extension", "tlp_2_0": "green"}}},
    {"type": "marking-definition", "spec_version": "2.1", "id": AMBER, "created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER",
     "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"extension_type": "property-extension", "tlp_2_0": "amber"}}},
]
N_BULK = 1200  # above the server's page maximum (1000), so as_pages must adapt


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def sdo(kind, n, **props):
    t = "2024-03-01T10:00:00.000Z"
    o = {"type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.UUID(int=n, version=4)}", "created": t, "modified": t,
         "created_by_ref": IDENTITY, "object_marking_refs": [GREEN]}
    o.update(props)
    if kind == "indicator":
        o.setdefault("description", "test indicator")  # --strict: name and description SHOULD both be present
    return o


IDENTITY = f"identity--{uuid.UUID(int=1, version=4)}"
identity = {"type": "identity", "spec_version": "2.1", "id": IDENTITY, "created": "2024-03-01T10:00:00.000Z",
            "modified": "2024-03-01T10:00:00.000Z", "name": "Health ISAC", "identity_class": "organization",
            "sectors": ["healthcare"], "object_marking_refs": [GREEN]}
indicator = sdo("indicator", 2, name="C2 address", indicator_types=["malicious-activity"],
                pattern="[ipv4-addr:value = '203.0.113.7']", pattern_type="stix", valid_from="2024-03-01T10:00:00Z")
malware = sdo("malware", 3, name="ExampleLocker", is_family=True, malware_types=["ransomware"])
relationship = sdo("relationship", 4, relationship_type="indicates", source_ref=indicator["id"], target_ref=malware["id"])
sighting = sdo("sighting", 5, sighting_of_ref=indicator["id"], count=3, where_sighted_refs=[IDENTITY],
               first_seen="2024-03-02T00:00:00Z", last_seen="2024-03-03T00:00:00Z")
incident = sdo("incident", 6, name="Ransomware at a hospital", description="EHR downtime")
amber_tlp1 = sdo("indicator", 7, name="AMBER via TLP 1.0 id", pattern="[domain-name:value = 'evil.example']",
                 pattern_type="stix", valid_from="2024-03-01T10:00:00Z", object_marking_refs=[AMBER_TLP1])
core = TLP_OBJECTS + [identity, indicator, malware, relationship, sighting, incident, amber_tlp1]
bulk = [sdo("indicator", 1000 + i, name=f"bulk {i}", pattern=f"[ipv4-addr:value = '198.51.100.{i % 250}']",
            pattern_type="stix", valid_from="2024-03-01T10:00:00Z") for i in range(N_BULK)]

# Discovery → API root → collections.
server = Server(f"{BASE}/taxii2/", user=EMAIL, password=PASSWORD)
check(server.title and len(server.api_roots) == 1, f"discovery lists one API root: {server.title}")
root: ApiRoot = server.api_roots[0]
root.refresh()
check(root.versions == ["application/taxii+json;version=2.1"] and root.max_content_length > 0, "API root: versions and max_content_length")
cols = [c for c in root.collections if c.id == COLLECTION_ID]
check(len(cols) == 1 and cols[0].can_read and cols[0].can_write, "the collection is listed, readable and writable")
col: Collection = cols[0]

# add_objects with status polling.
status = col.add_objects({"objects": core}, wait_for_completion=True, poll_interval=0.2, timeout=30)
check(status.status == "complete" and status.success_count == len(core) and status.failure_count == 0, f"add_objects: {status.success_count} succeeded")
status.refresh()
check(status.total_count == len(core), "status resource polled again")
bad = col.add_objects({"objects": [dict(indicator, id=f"indicator--{uuid.UUID(int=99, version=4)}", pattern="[ipv4-addr:value = ")]}, wait_for_completion=False)
check(bad.failure_count == 1 and "pattern" in bad.failures[0]["message"], "a bad pattern is a failure in the status, naming the property")
status = col.add_objects({"objects": bulk}, wait_for_completion=True, poll_interval=0.2, timeout=60)
check(status.success_count == N_BULK, f"bulk add of {N_BULK}")
total = len(core) + N_BULK

# as_pages below and above the server maximum: every object exactly once.
for per_request in (97, 5000):
    ids = []
    for envelope in as_pages(col.get_objects, per_request=per_request):
        ids += [o["id"] for o in envelope.get("objects", [])]
    check(len(ids) == total and len(set(ids)) == total, f"as_pages(per_request={per_request}): {len(ids)} objects, no duplicates")
typed = []
for envelope in as_pages(col.get_objects, per_request=50, type="indicator"):
    typed += envelope.get("objects", [])
check(len(typed) == N_BULK + 2, "as_pages with match[type] keeps the filter on every page")

# Raw HTTP: headers and media type on a page.
r = requests.get(f"{BASE}/taxii2/{root.url.rstrip('/').rsplit('/', 1)[1]}/collections/{COLLECTION_ID}/objects/?limit=10",
                 auth=(EMAIL, PASSWORD), headers={"Accept": "application/taxii+json;version=2.1"})
check(r.headers["Content-Type"] == "application/taxii+json;version=2.1", "objects media type")
check(r.headers["X-TAXII-Date-Added-First"].endswith("Z") and r.headers["X-TAXII-Date-Added-Last"] > r.headers["X-TAXII-Date-Added-First"], "X-TAXII-Date-Added-First/Last")

# Manifest.
manifest = []
for envelope in as_pages(col.get_manifest, per_request=500):
    manifest += envelope.get("objects", [])
check(len(manifest) == total and all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest), "manifest covers every object")

# get_object, a new version, object_versions, TLP 1.0 normalised.
got = col.get_object(indicator["id"])["objects"]
check(len(got) == 1 and got[0] == indicator, "get_object returns the object as added")
got = col.get_object(amber_tlp1["id"])["objects"][0]
check(got["object_marking_refs"] == [AMBER], "TLP 1.0 AMBER is served as the OASIS TLP 2.0 AMBER id")
v2 = dict(indicator, modified="2024-03-05T10:00:00.000Z", name="C2 address (updated)")
col.add_objects({"objects": [v2]}, wait_for_completion=True, poll_interval=0.2)
versions = col.object_versions(indicator["id"])["versions"]
check(len(versions) == 2, f"object_versions: {versions}")
check(col.get_object(indicator["id"])["objects"][0]["name"] == "C2 address (updated)", "the last version is the default")
check(len(col.get_object(indicator["id"], version="all")["objects"]) == 2, "match[version]=all")

# stix2 parses everything ward serves; export a bundle for the validator.
served = []
for envelope in as_pages(col.get_objects, per_request=1000):
    served += envelope.get("objects", [])
for o in served[: len(core) + 5]:
    stix2.parse(o, allow_custom=False)
check(True, "stix2.parse accepts the objects ward serves")
bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": served}
with open(EXPORT_PATH, "w") as f:
    json.dump(bundle, f)
options = stix2validator.ValidationOptions(version="2.1", strict=True, enforce_refs=True)
results = stix2validator.validate_file(EXPORT_PATH, options)
if not results.is_valid:
    stix2validator.print_results(results)
check(results.is_valid, "stix2-validator (2.1, --strict, --enforce-refs) accepts the exported bundle")

# Delete.
col.delete_object(malware["id"])
try:
    col.get_object(malware["id"])
    raise AssertionError("deleted object still served")
except requests.exceptions.HTTPError as e:
    check(e.response.status_code == 404 and e.response.headers["Content-Type"] == "application/taxii+json;version=2.1", "delete: then 404 as a TAXII error")
print("interop: all checks passed")
