#!/usr/bin/env python3
"""Heartbeat client for the heartbeat monitor: standard library only, Python 3.8+.

As a module::

    from heartbeat import Heartbeat
    with Heartbeat(url, "sensor-42", token, interval=60) as hb:
        hb.beat()                                  # ok
        hb.beat(status="fail", message="disk full") # alive but unhealthy

As a command (exit 0 when every beat was recorded)::

    python3 heartbeat.py --url URL --device ID --token TOKEN [--interval N] [--grace N]
                         [--every N] [--count N] [--fail] [--message TEXT]

Why it looks the way it does (see README.md):
- The server owns time: a beat carries no device clock; lastSeen is the server's receive time.
- One HTTP connection is kept open across beats, with TCP keepalive probes after 60 s of
  silence every 10 s, 3 times: NATs and firewalls that drop idle flows see traffic, and a dead
  path is noticed in about 90 s instead of the kernel default of 2 h 11 min.
- Network errors, 429 and 5xx are retried with exponential backoff and full jitter, honouring
  Retry-After; any other 4xx is final and reported with the service's own message.
- The first beat of a loop waits a random moment, so a fleet that reboots together does not
  beat together for ever after.
"""

import argparse
import email.utils
import http.client
import json
import os
import random
import signal
import socket
import sys
import time
import urllib.parse

__all__ = ["Heartbeat", "HeartbeatError"]

VERSION = "1.0.0"

# TCP keepalive: first probe after 60 s idle, then every 10 s, give up after 3 unanswered.
KEEPALIVE_IDLE_S = 60
KEEPALIVE_INTERVAL_S = 10
KEEPALIVE_COUNT = 3

# No single backoff wait is longer than this, whatever the attempt number.
BACKOFF_CAP_S = 60.0
# A Retry-After beyond this is treated as this: a device keeps trying within its own cadence.
RETRY_AFTER_CAP_S = 600.0

# Failures that mean "the connection we kept was closed by the other side while idle".
_STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class HeartbeatError(Exception):
    """A beat that was not recorded: `status` is the HTTP status (None when no answer came),
    `code` the service's error code, and the message says what to do."""

    def __init__(self, message, status=None, code=None, retryable=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retryable = retryable


def _set_tcp_keepalive(sock):
    """Turns on TCP keepalive with our idle/interval/count where the platform lets us."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_KEEPIDLE"):  # Linux, recent macOS and Windows
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPALIVE_IDLE_S)
    elif hasattr(socket, "TCP_KEEPALIVE"):  # older macOS name of the same option
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPALIVE, KEEPALIVE_IDLE_S)
    if hasattr(socket, "TCP_KEEPINTVL"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_S)
    if hasattr(socket, "TCP_KEEPCNT"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, KEEPALIVE_COUNT)


class _KeepAliveConnection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        _set_tcp_keepalive(self.sock)


class _KeepAliveTLSConnection(http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        _set_tcp_keepalive(self.sock)


def _retry_after_seconds(value, now=None):
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _service_error(status, body):
    """The service's {"error": {"code", "message"}} (or API Gateway's {"message"}) as (code, text)."""
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        parsed = None
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict) and error.get("code"):
            return error.get("code"), "HTTP %d %s: %s" % (status, error.get("code"), error.get("message", ""))
        if isinstance(parsed.get("message"), str):
            return None, "HTTP %d: %s" % (status, parsed["message"])
    text = body.decode("utf-8", "replace").strip()[:200]
    return None, ("HTTP %d: %s" % (status, text)) if text else "HTTP %d" % status


class Heartbeat:
    """A device's heartbeat sender, keeping one connection to the service across beats.

    `interval` and `grace` (seconds), when set, are sent with every beat. `timeout` bounds the
    connect and each wait for data; `retries` extra attempts follow a network error, 429 or 5xx,
    waiting a random time up to `backoff` * 2**n seconds (capped at 60 s), or Retry-After.
    `log` receives one line per retry (default: standard error).
    """

    def __init__(self, url, device_id, token, interval=None, grace=None, timeout=10.0, retries=5, backoff=1.0, log=None):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("url must look like https://host[/stage], got %r" % url)
        if not device_id:
            raise ValueError("device_id must not be empty")
        if not token:
            raise ValueError("token must not be empty")
        self.device_id = device_id
        self._token = token
        self.interval = interval
        self.grace = grace
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self._log = log if log is not None else (lambda line: print(line, file=sys.stderr, flush=True))
        self._path = parsed.path.rstrip("/") + "/v1/heartbeats/" + urllib.parse.quote(device_id, safe="")
        connection_class = _KeepAliveTLSConnection if parsed.scheme == "https" else _KeepAliveConnection
        # The port is always given: http.client would otherwise read an IPv6 literal's last group as one.
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self._connection = connection_class(parsed.hostname, port, timeout=self.timeout)
        self._used = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Closes the kept connection (the next beat opens a new one)."""
        self._connection.close()
        self._used = False

    def beat(self, status="ok", message=None, meta=None):
        """Sends one beat; returns the service's answer as a dict, or raises HeartbeatError."""
        if status not in ("ok", "fail"):
            raise ValueError('status must be "ok" or "fail"')
        body = {"status": status}
        if self.interval is not None:
            body["interval"] = int(self.interval)
        if self.grace is not None:
            body["grace"] = int(self.grace)
        if message is not None:
            body["message"] = message
        if meta is not None:
            body["meta"] = meta
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

        attempt = 0
        while True:
            try:
                return self._send_once(payload)
            except HeartbeatError as error:
                if not error.retryable or attempt >= self.retries:
                    if error.retryable and self.retries > 0:
                        raise HeartbeatError("giving up after %d attempts: %s" % (attempt + 1, error), error.status, error.code) from None
                    raise
                attempt += 1
                ceiling = min(BACKOFF_CAP_S, self.backoff * (2 ** (attempt - 1)))
                retry_after = getattr(error, "retry_after", None)
                if retry_after is not None:
                    delay = min(retry_after, RETRY_AFTER_CAP_S)
                    why = "Retry-After"
                else:
                    delay = random.uniform(0, ceiling)  # full jitter
                    why = "backoff cap %.3fs" % ceiling
                self._log("heartbeat: retry %d/%d in %.3fs (%s): %s" % (attempt, self.retries, delay, why, error))
                time.sleep(delay)

    def _send_once(self, payload):
        """One request; a kept connection that the server closed while idle is reopened once, at once."""
        reused = self._used
        try:
            return self._exchange(payload)
        except _STALE_CONNECTION as error:
            self._connection.close()
            if not reused:
                raise HeartbeatError("connection lost: %s" % (error or type(error).__name__), retryable=True) from None
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()
            raise HeartbeatError(self._network_reason(error), retryable=True) from None
        # The idle connection had been closed by the server or a middlebox: a new one, no waiting.
        try:
            return self._exchange(payload)
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()
            raise HeartbeatError(self._network_reason(error), retryable=True) from None

    def _network_reason(self, error):
        if isinstance(error, socket.timeout):
            return "timed out after %gs" % self.timeout
        return "network error: %s" % (error or type(error).__name__)

    def _exchange(self, payload):
        headers = {
            "Authorization": "Bearer " + self._token,
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": "heartbeat-python/" + VERSION,
        }
        self._used = True
        self._connection.request("POST", self._path, body=payload, headers=headers)
        response = self._connection.getresponse()
        body = response.read()  # read to the end, so the connection can carry the next beat
        if 200 <= response.status < 300:
            try:
                return json.loads(body.decode("utf-8")) if body else {}
            except (ValueError, UnicodeDecodeError):
                return {}
        code, text = _service_error(response.status, body)
        error = HeartbeatError(text, response.status, code, retryable=response.status == 429 or response.status >= 500)
        error.retry_after = _retry_after_seconds(response.getheader("Retry-After"))
        raise error


# --- command line -----------------------------------------------------------------------------


def _non_negative(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError("must be a number, got %r" % text) from None
        if value < 0:
            raise argparse.ArgumentTypeError("must not be negative, got %r" % text)
        return value

    return parse


def _glue_values(argv, parser):
    """Writes "--token -abc" as "--token=-abc": a base64url token may start with "-", which argparse
    would otherwise read as an option."""
    takes_value = {flag for action in parser._actions if action.nargs is None and action.option_strings for flag in action.option_strings}
    glued, i = [], 0
    while i < len(argv):
        if argv[i] in takes_value and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            glued.append("%s=%s" % (argv[i], argv[i + 1]))
            i += 2
        else:
            glued.append(argv[i])
            i += 1
    return glued


def _arguments(argv):
    parser = argparse.ArgumentParser(
        prog="heartbeat.py",
        description="Send heartbeats to the heartbeat monitor. Exit 0 when every beat was recorded.",
        epilog="--url, --device and --token default to HEARTBEAT_URL, HEARTBEAT_DEVICE_ID and HEARTBEAT_TOKEN "
        "(the environment keeps the token out of the process list).",
    )
    parser.add_argument("--url", default=os.environ.get("HEARTBEAT_URL"), help="service base URL")
    parser.add_argument("--device", default=os.environ.get("HEARTBEAT_DEVICE_ID"), help="device id")
    parser.add_argument("--token", default=os.environ.get("HEARTBEAT_TOKEN"), help="device token")
    parser.add_argument("--interval", type=_non_negative(int), help="seconds between beats the device promises (sent with each beat)")
    parser.add_argument("--grace", type=_non_negative(int), help="extra seconds of silence tolerated (sent with each beat)")
    parser.add_argument("--every", type=_non_negative(float), help="keep beating every N seconds (until --count beats, or a signal)")
    parser.add_argument("--count", type=_non_negative(int), help="beats to send (default 1; with --every, until stopped)")
    parser.add_argument("--fail", action="store_true", help='send status "fail": alive but unhealthy (alerts at once)')
    parser.add_argument("--message", help="kept as the device's last message (at most 256 characters)")
    parser.add_argument("--meta", help="kept as the last metadata: a JSON object")
    parser.add_argument("--timeout", type=_non_negative(float), default=10.0, help="seconds to wait for the connection and for each answer (default 10)")
    parser.add_argument("--retries", type=_non_negative(int), default=5, help="retries after a network error, 429 or 5xx (default 5)")
    parser.add_argument("--backoff", type=_non_negative(float), default=1.0, help="first retry waits up to this many seconds, doubling each time (default 1)")
    parser.add_argument("--jitter", type=_non_negative(float), help="wait a random 0..N seconds before the first beat (default: min(every, 30) with --every, else 0)")
    args = parser.parse_args(_glue_values(argv, parser))
    for name, flag in (("url", "--url"), ("device", "--device"), ("token", "--token")):
        if not getattr(args, name):
            parser.error("%s is required (or set %s)" % (flag, {"url": "HEARTBEAT_URL", "device": "HEARTBEAT_DEVICE_ID", "token": "HEARTBEAT_TOKEN"}[name]))
    if args.every is not None and args.every <= 0:
        parser.error("--every must be more than 0 seconds")
    if args.count is not None and args.count < 1:
        parser.error("--count must be at least 1")
    if args.count is not None and args.count > 1 and args.every is None:
        parser.error("--count above 1 needs --every")
    if args.timeout <= 0:
        parser.error("--timeout must be more than 0 seconds")
    if args.meta is not None:
        try:
            args.meta = json.loads(args.meta)
        except ValueError:
            parser.error("--meta must be a JSON object, e.g. '{\"battery\": 0.9}'")
        if not isinstance(args.meta, dict):
            parser.error("--meta must be a JSON object, e.g. '{\"battery\": 0.9}'")
    return args


class _Stopped(Exception):
    """Raised by the SIGTERM/SIGINT handler: it interrupts a wait or a request at once."""


def main(argv=None):
    """The command: beats as the flags say; returns the exit status (0: every beat recorded)."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    count = args.count if args.count is not None else (None if args.every is not None else 1)
    jitter = args.jitter if args.jitter is not None else (min(args.every, 30.0) if args.every is not None else 0.0)
    try:
        client = Heartbeat(args.url, args.device, args.token, args.interval, args.grace, args.timeout, args.retries, args.backoff)
    except ValueError as error:
        print("heartbeat: %s" % error, file=sys.stderr)
        return 2

    def stop(_signum, _frame):
        raise _Stopped()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    failures = 0
    sent = 0
    first = random.uniform(0, jitter)
    if jitter > 0:
        print("heartbeat: first beat in %.3fs (jitter up to %gs)" % (first, jitter), flush=True)
    next_at = time.monotonic() + first
    try:
        with client:
            while count is None or sent < count:
                time.sleep(max(0.0, next_at - time.monotonic()))
                try:
                    answer = client.beat("fail" if args.fail else "ok", args.message, args.meta)
                    print("200 " + json.dumps(answer, separators=(",", ":")), flush=True)
                except HeartbeatError as error:
                    failures += 1
                    print("heartbeat: %s" % error, file=sys.stderr, flush=True)
                sent += 1
                if args.every is not None:
                    # Fixed rate: slow beats (retries) do not push the schedule back; slots already past are skipped.
                    next_at += args.every
                    while next_at < time.monotonic():
                        next_at += args.every
    except _Stopped:
        pass
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
