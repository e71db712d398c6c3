"""Helpers the benchmark capture generators share (scripts/gen-bearer-har.py,
scripts/gen-gateway-log.py): base64url, ISO and HTTP dates from epoch milliseconds. Standard
library only."""

import base64
import time

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def iso(ms):
    t = time.gmtime(ms // 1000)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour,
                                                    t.tm_min, t.tm_sec, ms % 1000)


def http_date(ms):
    t = time.gmtime(ms // 1000)
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (DAYS[t.tm_wday], t.tm_mday, MONTHS[t.tm_mon - 1],
                                                     t.tm_year, t.tm_hour, t.tm_min, t.tm_sec)
