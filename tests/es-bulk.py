#!/usr/bin/env python3
"""es-bulk.py PORT OUT: an Elasticsearch _bulk receiver for tests.

Checks every request against the documented format: POST /_bulk,
Content-Type application/x-ndjson, NDJSON whose last line ends in LF, an
action line {"create":{"_index":...,"_id":...}} before each document.  A
request that breaks it is answered 400 and told on stderr (the test fails
on any).  Items: a document whose path is /r429 is answered 429 the first
time and 201 after; /r409 is 409 (already there); /r400 a
mapper_parsing_exception.  Every document taken (201) is a line of OUT:
{"id": _id, "doc": the document}."""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

seen429 = set()
out = open(sys.argv[2], "a")


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def bad(self, why):
        print("es-bulk.py: " + why, file=sys.stderr, flush=True)
        self.answer(400, {"error": why})

    def answer(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != "/_bulk":
            return self.bad("path " + self.path)
        if self.headers.get("Content-Type") != "application/x-ndjson":
            return self.bad("content-type " + str(self.headers.get("Content-Type")))
        if not body.endswith(b"\n"):
            return self.bad("the last line does not end in LF")
        lines = body[:-1].split(b"\n")
        if len(lines) % 2:
            return self.bad("an odd number of lines")
        items = []
        for i in range(0, len(lines), 2):
            try:
                act = json.loads(lines[i])
                doc = json.loads(lines[i + 1])
            except ValueError as e:
                return self.bad("not JSON: %s" % e)
            if list(act) != ["create"] or "_index" not in act["create"]:
                return self.bad("not a create action: %r" % act)
            _id = act["create"].get("_id")
            if "@timestamp" not in doc or doc["@timestamp"] != doc.get("time"):
                return self.bad("@timestamp is not time: %r" % doc)
            p = doc.get("path")
            st = 201
            if p == "/r429" and _id not in seen429:
                seen429.add(_id)
                st = 429
            elif p == "/r409":
                st = 409
            elif p == "/r400":
                st = 400
            it = {"_index": act["create"]["_index"], "_id": _id, "status": st}
            if st == 400:
                it["error"] = {"type": "mapper_parsing_exception",
                               "reason": "failed to parse field [bytes]"}
            elif st == 409:
                it["error"] = {"type": "version_conflict_engine_exception",
                               "reason": "document already exists"}
            elif st == 429:
                it["error"] = {"type": "es_rejected_execution_exception",
                               "reason": "rejected execution"}
            else:
                out.write(json.dumps({"id": _id, "doc": doc}) + "\n")
                out.flush()
            items.append({"create": it})
        self.answer(200, {"took": 1, "errors": any(
            x["create"]["status"] >= 300 for x in items), "items": items})


HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
