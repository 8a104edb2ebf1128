"""ward's TAXII 2.1 server against the OASIS reference server medallion, on the same data.

  medallion_compare.py diff  WARD_URL COLLECTION USER PASSWORD WORKDIR
      Differential test (run in CI): the same objects are POSTed to ward and to a medallion
      started here (memory backend), then a set of filter queries is sent to both and the
      (id, version) lists compared. Exit 1 on any difference.

  medallion_compare.py bench WARD_URL USER PASSWORD WORKDIR SIZE=COLLECTION...
      Read benchmark (run by scripts/bench-taxii-read): for each size, the time to read the whole
      collection with taxii2-client's as_pages (1,000 per request) from ward and from medallion
      (preloaded from its data file, given at most 300 s), the p95 of GET one page of 1,000
      from ward, and a fixed-duration wrk load test on the objects endpoint of both.
"""
import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid

import requests
from taxii2client.v21 import Collection, as_pages

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
MEDALLION_USER, MEDALLION_PASSWORD = "bench", "bench-password"
MEDALLION_LIMIT_S = 300
# Sizes above this are not given to medallion (its read time grows quadratically: 10,000
# objects took 289 s here).
MEDALLION_MAX = int(os.environ.get("WARD_BENCH_MEDALLION_MAX", "10000"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stix_objects(n, seed="ward-medallion"):
    """n objects of four types; every fifth indicator has a second version."""
    ns = uuid.uuid5(uuid.NAMESPACE_URL, seed)
    out = []
    i = 0
    while len(out) < n:
        kind = ["indicator", "malware", "identity", "relationship"][i % 4]
        oid = "%s--%s" % (kind, uuid.uuid5(ns, str(i)))
        t = "2026-01-%02dT00:00:%02d.000Z" % (1 + i % 28, i % 60)
        o = {"type": kind, "spec_version": "2.1", "id": oid, "created": t, "modified": t}
        if kind == "indicator":
            o.update(pattern="[domain-name:value = 'host%d.example']" % i, pattern_type="stix", valid_from=t)
        elif kind == "malware":
            o.update(name="family %d" % i, is_family=True)
        elif kind == "identity":
            o.update(name="org %d" % i, identity_class="organization")
        else:
            o.update(relationship_type="related-to", source_ref=out[-1]["id"] if out else oid, target_ref=oid)
            if not out:
                o["source_ref"] = oid
        out.append(o)
        if kind == "indicator" and i % 5 == 0 and len(out) < n:
            o2 = dict(o)
            o2["modified"] = "2026-02-%02dT00:00:00.000Z" % (1 + i % 28)
            out.append(o2)
        i += 1
    return out[:n]


def medallion_data(path, api_root, collection_id, objects):
    manifest = []
    base = 1767225600  # 2026-01-01T00:00:00Z
    for k, o in enumerate(objects):
        added = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + k // 1000000)) + ".%06dZ" % (k % 1000000)
        manifest.append({"id": o["id"], "date_added": added, "version": o.get("modified", o.get("created")), "media_type": STIX})
    data = {
        "/discovery": {"title": "medallion", "api_roots": []},
        api_root: {
            "information": {"title": api_root, "versions": [TAXII], "max_content_length": 100 * 1024 * 1024},
            "status": [],
            "collections": [{"id": collection_id, "title": "bench", "can_read": True, "can_write": True, "media_types": [STIX], "objects": objects, "manifest": manifest}],
        },
    }
    with open(path, "w") as f:
        json.dump(data, f)


class Medallion:
    def __init__(self, workdir, objects, max_page=1000):
        self.port = free_port()
        self.root = "medallion"
        self.collection = str(uuid.uuid4())
        data = os.path.join(workdir, "medallion-data.json")
        conf = os.path.join(workdir, "medallion-conf.json")
        medallion_data(data, self.root, self.collection, objects)
        with open(conf, "w") as f:
            json.dump({"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": data}, "users": {MEDALLION_USER: MEDALLION_PASSWORD}, "taxii": {"max_page_size": max_page}}, f)
        exe = os.path.join(os.path.dirname(sys.executable), "medallion")
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--log-level", "ERROR", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = "http://127.0.0.1:%d" % self.port
        for _ in range(300):
            try:
                requests.get(self.url + "/taxii2/", auth=(MEDALLION_USER, MEDALLION_PASSWORD), headers={"Accept": TAXII}, timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        self.collection_url = "%s/%s/collections/%s/" % (self.url, self.root, self.collection)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)


def instant(ts):
    """A STIX timestamp as a comparable instant: `…00.000Z` and `…00.000000Z` are the same time
    (ward writes manifest versions at microsecond precision; medallion echoes the object's text)."""
    if not ts or "T" not in ts:
        return ts
    head, _, frac = ts.rstrip("Z").partition(".")
    return head + "." + (frac + "000000")[:6] + "Z"


def get_all(collection_url, auth, params, endpoint="objects"):
    """Every page of a filtered read, following `next`; returns the list of (id, version)."""
    out = []
    params = dict(params)
    for _ in range(10000):
        r = requests.get(collection_url + endpoint + "/", params=params, auth=auth, headers={"Accept": TAXII}, timeout=60)
        if r.status_code != 200:
            raise RuntimeError("%s %s: HTTP %d %s" % (collection_url, params, r.status_code, r.text[:300]))
        body = r.json() if r.text.strip() else {}
        for o in body.get("objects", []):
            out.append((o["id"], instant(o.get("version") or o.get("modified") or o.get("created") or "")))
        if not body.get("more"):
            return out, r.headers
        if body.get("next"):
            params["next"] = body["next"]
        else:
            params["added_after"] = r.headers["X-TAXII-Date-Added-Last"]
    raise RuntimeError("too many pages")


def diff(ward_url, collection_id, user, password, workdir):
    objects = stix_objects(60)
    ward_coll_url = "%s/taxii2/%s/collections/%s/" % (ward_url, discover_root(ward_url, collection_id, user, password), collection_id)
    med = Medallion(workdir, [], max_page=100)
    try:
        ward_c = Collection(ward_coll_url, user=user, password=password)
        med_c = Collection(med.collection_url, user=MEDALLION_USER, password=MEDALLION_PASSWORD)
        # Six POSTs of ten, a moment apart, so date_added separates the batches on both servers.
        for k in range(6):
            batch = {"objects": objects[10 * k:10 * k + 10]}
            for c in (ward_c, med_c):
                status = c.add_objects(json.dumps(batch), wait_for_completion=True, poll_interval=0.2, timeout=30)
                assert status.status == "complete" and status.failure_count == 0, (c.url, status.failure_count)
            time.sleep(0.05)
        wa, ma = (user, password), (MEDALLION_USER, MEDALLION_PASSWORD)
        two_versions = next(o["id"] for o in objects if sum(1 for p in objects if p["id"] == o["id"]) == 2)
        some_version = [o["modified"] for o in objects if o["id"] == two_versions][1]
        queries = [
            {},
            {"match[type]": "indicator"},
            {"match[type]": "malware,identity"},
            {"match[id]": two_versions},
            {"match[id]": two_versions, "match[version]": "all"},
            {"match[version]": "first"},
            {"match[version]": "all"},
            {"match[version]": some_version},
            {"match[spec_version]": "2.1"},
            {"match[type]": "indicator", "match[version]": "all", "limit": "7"},
            {"limit": "3"},
        ]
        failures = []
        for q in queries:
            w, _ = get_all(ward_coll_url, wa, q)
            m, _ = get_all(med.collection_url, ma, q)
            if sorted(w) != sorted(m):
                failures.append((q, sorted(set(w) ^ set(m))[:5], len(w), len(m)))
        w_man, _ = get_all(ward_coll_url, wa, {"match[version]": "all"}, endpoint="manifest")
        m_man, _ = get_all(med.collection_url, ma, {"match[version]": "all"}, endpoint="manifest")
        if sorted(w_man) != sorted(m_man):
            failures.append(("manifest", sorted(set(w_man) ^ set(m_man))[:5], len(w_man), len(m_man)))
        # added_after: each server's own date_added of the 30th object (end of the third POST).
        after = {}
        for name, url, auth in (("ward", ward_coll_url, wa), ("medallion", med.collection_url, ma)):
            r = requests.get(url + "manifest/", params={"match[version]": "all", "limit": "30"}, auth=auth, headers={"Accept": TAXII}, timeout=30)
            after[name] = r.json()["objects"][-1]["date_added"]
        w, _ = get_all(ward_coll_url, wa, {"added_after": after["ward"], "match[version]": "all"})
        m, _ = get_all(med.collection_url, ma, {"added_after": after["medallion"], "match[version]": "all"})
        if sorted(w) != sorted(m) or len(w) != 30:
            failures.append(("added_after", sorted(set(w) ^ set(m))[:5], len(w), len(m)))
        n = len(queries) + 2
        if failures:
            for f in failures:
                print("DIFFERENT:", f)
            print("medallion differential: %d of %d queries differ" % (len(failures), n))
            return 1
        print("medallion differential: %d filter queries (type, id, version first/last/all/specific, spec_version, limit paging, manifest, added_after) agree on 60 objects (versions compared as instants)" % n)
        return 0
    finally:
        med.stop()


def discover_root(ward_url, collection_id, user, password):
    d = requests.get(ward_url + "/taxii2/", auth=(user, password), headers={"Accept": TAXII}, timeout=10).json()
    for root_url in d.get("api_roots", []):
        r = requests.get(root_url.rstrip("/") + "/collections/", auth=(user, password), headers={"Accept": TAXII}, timeout=10).json()
        if any(c["id"] == collection_id for c in r.get("collections", [])):
            return root_url.rstrip("/").rsplit("/", 1)[-1]
    raise RuntimeError("collection %s not found on %s" % (collection_id, ward_url))


def read_all_seconds(url, user, password, per_request=1000, limit_s=None):
    c = Collection(url, user=user, password=password)
    t0 = time.perf_counter()
    n = 0
    # Every version, so the count is the number of objects stored (some have two versions).
    for envelope in as_pages(c.get_objects, per_request=per_request, version="all"):
        n += len(envelope.get("objects", []))
        if limit_s and time.perf_counter() - t0 > limit_s:
            return None, n
    return time.perf_counter() - t0, n


def wrk(url, auth_header, seconds=10):
    # --timeout 30s: medallion takes seconds per request; wrk's default 2 s would count none.
    out = subprocess.run(["wrk", "-t1", "-c8", "-d%ds" % seconds, "--timeout", "30s", "--latency", "-H", "Authorization: " + auth_header, "-H", "Accept: " + TAXII, url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return (float(rps.group(1)) if rps else 0.0), (float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"))


def bench(ward_url, user, password, workdir, sizes):
    basic = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    med_basic = "Basic " + base64.b64encode(("%s:%s" % (MEDALLION_USER, MEDALLION_PASSWORD)).encode()).decode()
    results = []
    largest_ward = None
    for size, collection_id in sizes:
        root = discover_root(ward_url, collection_id, user, password)
        url = "%s/taxii2/%s/collections/%s/" % (ward_url, root, collection_id)
        ward_s, n = read_all_seconds(url, user, password)
        assert n == size, (n, size)
        largest_ward = (size, url)
        if size > MEDALLION_MAX:
            results.append((size, ward_s, None, 0))
            print("as_pages read of %d objects: ward %.2f s, medallion not run (above WARD_BENCH_MEDALLION_MAX=%d)" % (size, ward_s, MEDALLION_MAX), flush=True)
            continue
        med = Medallion(workdir, stix_objects(size), max_page=1000)
        # A single medallion request can outlast the limit: a watchdog stops the server.
        watchdog = threading.Timer(MEDALLION_LIMIT_S, med.proc.kill)
        watchdog.start()
        try:
            med_s, med_n = read_all_seconds(med.collection_url, MEDALLION_USER, MEDALLION_PASSWORD, limit_s=MEDALLION_LIMIT_S)
        except requests.RequestException:
            med_s, med_n = None, 0
        finally:
            watchdog.cancel()
            med.stop()
        results.append((size, ward_s, med_s, med_n))
        print("as_pages read of %d objects: ward %.2f s, medallion %s" % (size, ward_s, "%.2f s (ratio %.0fx)" % (med_s, med_s / ward_s) if med_s else "did not finish in %d s (%d objects read)" % (MEDALLION_LIMIT_S, med_n)), flush=True)
    # p95 of one page of 1,000 from the largest ward collection.
    size, url = largest_ward
    times = []
    for _ in range(100):
        t0 = time.perf_counter()
        r = requests.get(url + "objects/", params={"limit": "1000"}, headers={"Accept": TAXII, "Authorization": basic}, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200 and len(r.json()["objects"]) == 1000
    times.sort()
    print("GET one page of 1,000 objects (collection of %d): p50 %.1f ms, p95 %.1f ms over 100 requests" % (size, times[49], times[94]), flush=True)
    # Load test: wrk for a fixed duration against each objects endpoint (pages of 100).
    small = min(s for s, _ in sizes)
    small_url = [u for s, u in [(s, "%s/taxii2/%s/collections/%s/" % (ward_url, discover_root(ward_url, c, user, password), c)) for s, c in sizes] if s == small][0]
    # ward with its API token (HTTP Basic would hash the password with Argon2 on every request).
    token = os.environ.get("WARD_BENCH_TOKEN")
    w_rps, w_p99 = wrk(small_url + "objects/?limit=100", "Bearer " + token if token else basic)
    med = Medallion(workdir, stix_objects(small), max_page=1000)
    try:
        m_rps, m_p99 = wrk(med.collection_url + "objects/?limit=100", med_basic)
    finally:
        med.stop()
    print("wrk 10 s, 8 connections, GET objects/?limit=100 on a %d-object collection: ward %.0f req/s p99 %.1f ms (%s); medallion %.1f req/s p99 %.1f ms (HTTP Basic); %s" % (
        small, w_rps, w_p99, "Bearer token" if token else "HTTP Basic", m_rps, m_p99, ("%.0fx the requests/s" % (w_rps / m_rps)) if m_rps else "medallion completed no request"), flush=True)
    return 0


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "diff":
        sys.exit(diff(*sys.argv[2:7]))
    if mode == "bench":
        ward_url, user, password, workdir = sys.argv[2:6]
        sizes = [(int(a.split("=")[0]), a.split("=")[1]) for a in sys.argv[6:]]
        sys.exit(bench(ward_url, user, password, workdir, sizes))
    sys.exit("usage: medallion_compare.py diff|bench …")
