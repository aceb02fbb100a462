"""Redeems, checks and cancels Pass Numérique passes from venue software.

A thin layer over the stubs generated from proto/passclear/v1 that gets right
what every terminal must (see the contract atop redemption.proto):

- every call presents the terminal's token, "authorization: Bearer <token>";
- every redemption and cancellation carries a request id chosen once per
  scan; when the outcome is unknown (UNAVAILABLE, DEADLINE_EXCEEDED) the call
  is retried with exponential backoff and the SAME id, so the server replays
  its decision instead of redeeming the pass twice;
- every attempt has a deadline, so a scan never hangs the desk;
- a refused pass (already redeemed, expired, ...) is an answer, not an
  exception: its `result` says why and its `message` is the sentence to show.

    token = venue_client.read_token_file("desk-1.token")
    with venue_client.VenueClient.connect("127.0.0.1:50051", token,
                                          venue_id=1,
                                          terminal_id="desk-1") as desk:
        answer = desk.redeem(code)
        print(venue_client.result_name(answer.result), answer.message)

The stubs are generated at build time into build/python, which must be on
PYTHONPATH (see README.md).
"""

import dataclasses
import datetime
import logging
import random
import time
import uuid
from typing import Callable, Optional, Sequence

import grpc
from google.protobuf import timestamp_pb2

from passclear.v1 import identity_pb2
from passclear.v1 import identity_pb2_grpc
from passclear.v1 import redemption_pb2
from passclear.v1 import redemption_pb2_grpc

_log = logging.getLogger(__name__)

# The most items the server takes in one RedeemBatch (its --max_batch_items
# default); longer uploads are split.
MAX_BATCH_ITEMS = 1000

# The request may or may not have been decided: only a retry with the same
# request id tells.
_OUTCOME_UNKNOWN = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})

# After losing the server, gRPC waits 1 s, then longer and longer up to
# 2 minutes between reconnections, failing calls at once meanwhile: a desk
# wants its server back within a second or two of a restart.
_CHANNEL_OPTIONS = (("grpc.initial_reconnect_backoff_ms", 250),
                    ("grpc.max_reconnect_backoff_ms", 2000))


class PassclearError(Exception):
    """A call that failed (a gRPC error status).

    Not a refused pass: that is an answer, with its reason.
    """

    def __init__(self, code: grpc.StatusCode, details: str):
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


class InvalidRequestError(PassclearError):
    """INVALID_ARGUMENT: `field` of the request is malformed.

    A misread or mistyped code is one (field "code"): scan it again.
    Nothing was written.
    """

    def __init__(self, details: str):
        super().__init__(grpc.StatusCode.INVALID_ARGUMENT, details)
        # The server words these "<field>: <problem>".
        field, separator, problem = details.partition(": ")
        self.field = field if separator else ""
        self.problem = problem if separator else details


class NotAuthorizedError(PassclearError):
    """UNAUTHENTICATED or PERMISSION_DENIED.

    The token is missing, unknown, revoked or expired, or the venue or
    terminal id of the request is not the token's: the message says which.
    """


class OutcomeUnknownError(PassclearError):
    """UNAVAILABLE or DEADLINE_EXCEEDED on every attempt.

    The request may have been decided. Send it again later with the same
    `request_ids` to learn its answer, never with new ones: a new id for a
    pass that was redeemed after all would answer ALREADY_REDEEMED.
    """

    def __init__(self, code: grpc.StatusCode, details: str,
                 request_ids: Sequence[str]):
        super().__init__(code, details)
        self.request_ids = list(request_ids)


def new_request_id() -> str:
    """A request id no other request of this terminal will ever have."""
    return str(uuid.uuid4())


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How a call whose outcome is unknown is tried again."""

    attempts: int = 4  # in all, the first one included
    first_backoff: float = 0.25  # seconds before the second attempt
    max_backoff: float = 4.0
    multiplier: float = 2.0

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1, 2, ...).

        Jittered, so that the terminals that lost the server together do
        not all come back in the same instant.
        """
        ceiling = min(self.max_backoff,
                      self.first_backoff * self.multiplier ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)


@dataclasses.dataclass(frozen=True)
class OfflineScan:
    """A pass scanned while the server was out of reach, to upload later.

    Keep it, request id included, until its upload got an answer: sending it
    again then replays its decision instead of deciding it afresh.
    """

    code: str
    # When the pass was scanned, with its time zone: validity is judged then.
    scanned_at: datetime.datetime
    request_id: str = dataclasses.field(default_factory=new_request_id)

    @classmethod
    def now(cls, code: str) -> "OfflineScan":
        return cls(code, datetime.datetime.now(datetime.timezone.utc))


@dataclasses.dataclass(frozen=True)
class ScanResult:
    """What the server answered to one offline scan."""

    scan: OfflineScan
    answer: redemption_pb2.RedeemResponse

    @property
    def redeemed(self) -> bool:
        return self.answer.result == redemption_pb2.REDEEM_RESULT_REDEEMED

    @property
    def reason(self) -> str:
        """"REDEEMED", or why the pass was refused ("ALREADY_REDEEMED")."""
        return result_name(self.answer.result)


def result_name(result: int) -> str:
    """"ALREADY_REDEEMED" for REDEEM_RESULT_ALREADY_REDEEMED."""
    return redemption_pb2.RedeemResult.Name(result).removeprefix(
        "REDEEM_RESULT_")


def read_token_file(path: str) -> str:
    """The token saved in a file at activation, without surrounding spaces."""
    with open(path, encoding="ascii") as token_file:
        return token_file.read().strip()


def open_channel(target: str,
                 tls_ca_file: Optional[str] = None) -> grpc.Channel:
    """A channel to passclear-server at `target` ("host:port").

    TLS trusting the PEM CA in `tls_ca_file` when given, else plaintext,
    which the server only accepts on loopback (or behind a TLS proxy).
    """
    if tls_ca_file is None:
        return grpc.insecure_channel(target, options=_CHANNEL_OPTIONS)
    with open(tls_ca_file, "rb") as ca_file:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=ca_file.read())
    return grpc.secure_channel(target, credentials, options=_CHANNEL_OPTIONS)


def activate_terminal(target: str, activation_code: str, *,
                      tls_ca_file: Optional[str] = None,
                      deadline: float = 10.0) -> str:
    """Exchanges the activation code an operator gave for the terminal's
    token; save it (e.g. with mode 0600) and pass it to VenueClient.

    Not retried: the code works once, so a retry after a lost answer would
    be refused. Ask the operator to enrol the terminal again.
    """
    with open_channel(target, tls_ca_file) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        try:
            issued = stub.ActivateTerminal(
                identity_pb2.ActivateTerminalRequest(
                    activation_code=activation_code),
                timeout=deadline)
        except grpc.RpcError as error:
            raise _error_for(error.code(), error.details()) from None
    return issued.token


class VenueClient:
    """One terminal (a desk, an instance of venue software) of one venue.

    Safe to share between threads, like the gRPC channel it holds.
    """

    def __init__(self, channel: grpc.Channel, token: str, venue_id: int,
                 terminal_id: str, *, deadline: float = 5.0,
                 retry: RetryPolicy = RetryPolicy()):
        """`deadline`: seconds each attempt of a call may take."""
        self._channel = channel
        # As call metadata, not call credentials: gRPC refuses those on the
        # plaintext channels of a loopback server.
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._stub = redemption_pb2_grpc.RedemptionServiceStub(channel)
        self._venue_id = venue_id
        self._terminal_id = terminal_id
        self._deadline = deadline
        self._retry = retry

    @classmethod
    def connect(cls, target: str, token: str, venue_id: int,
                terminal_id: str, *, tls_ca_file: Optional[str] = None,
                **options) -> "VenueClient":
        """A client on a new channel (see open_channel); `options` go to
        the constructor."""
        return cls(open_channel(target, tls_ca_file), token, venue_id,
                   terminal_id, **options)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "VenueClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def redeem(self, code: str, *, request_id: Optional[str] = None,
               scanned_at: Optional[datetime.datetime] = None
               ) -> redemption_pb2.RedeemResponse:
        """Redeems the pass with this code for the venue.

        Check `result` (REDEEM_RESULT_REDEEMED, or why not) and show
        `message`. `request_id`: a new one when absent; give the one of an
        OutcomeUnknownError to learn what became of that scan.
        `scanned_at`: when the pass was scanned, if not now.
        """
        request = redemption_pb2.RedeemRequest(
            code=code, venue_id=self._venue_id, terminal_id=self._terminal_id,
            request_id=request_id or new_request_id())
        if scanned_at is not None:
            request.scanned_at.CopyFrom(_timestamp(scanned_at))
        return self._call(self._stub.Redeem, request, [request.request_id],
                          f"Redeem {request.request_id}")

    def check(self, code: str) -> redemption_pb2.CheckPassResponse:
        """The state of a pass, and what redeeming it here would answer
        (`redeemable_result`), without redeeming it."""
        request = redemption_pb2.CheckPassRequest(code=code,
                                                  venue_id=self._venue_id)
        return self._call(self._stub.CheckPass, request, [], "CheckPass")

    def cancel(self, code: str, *, request_id: Optional[str] = None
               ) -> redemption_pb2.CancelRedemptionResponse:
        """Undoes this terminal's redemption of a pass (a mistaken scan),
        within the cancel window. Check `result`: CANCEL_RESULT_CANCELLED,
        or why not. `request_id` is the cancellation's own, as for redeem."""
        request = redemption_pb2.CancelRedemptionRequest(
            code=code, venue_id=self._venue_id, terminal_id=self._terminal_id,
            request_id=request_id or new_request_id())
        return self._call(self._stub.CancelRedemption, request,
                          [request.request_id],
                          f"CancelRedemption {request.request_id}")

    def upload_offline_scans(self, scans: Sequence[OfflineScan], *,
                             batch_size: int = MAX_BATCH_ITEMS
                             ) -> list[ScanResult]:
        """Redeems passes scanned offline, each judged at its scan time.

        Answers one result per scan, in order; `[r for r in results if not
        r.redeemed]` are the refused ones, with their `reason` and
        `answer.message`. A misread code refuses its scan (MALFORMED_CODE),
        not the upload. On OutcomeUnknownError upload the same scans again:
        those already decided are replayed.
        """
        results = []
        for start in range(0, len(scans), batch_size):
            chunk = scans[start:start + batch_size]
            request = redemption_pb2.RedeemBatchRequest(
                venue_id=self._venue_id, terminal_id=self._terminal_id,
                items=[redemption_pb2.RedeemBatchItem(
                    code=scan.code, request_id=scan.request_id,
                    scanned_at=_timestamp(scan.scanned_at))
                    for scan in chunk])
            response = self._call(
                self._stub.RedeemBatch, request,
                [scan.request_id for scan in chunk],
                f"RedeemBatch of {len(chunk)} scans")
            results.extend(
                ScanResult(scan, answer)
                for scan, answer in zip(chunk, response.results))
        return results

    def _call(self, method: Callable, request, request_ids: Sequence[str],
              what: str):
        """Calls `method`, trying again with the same request while its
        outcome is unknown."""
        attempt = 1
        while True:
            try:
                return method(request, timeout=self._deadline,
                              metadata=self._metadata)
            except grpc.RpcError as error:
                code, details = error.code(), error.details()
                if code not in _OUTCOME_UNKNOWN:
                    raise _error_for(code, details) from None
                if attempt >= self._retry.attempts:
                    raise OutcomeUnknownError(code, details,
                                              request_ids) from None
                delay = self._retry.backoff(attempt)
                attempt += 1
                _log.warning(
                    "%s: %s (%s); attempt %d of %d in %.2f s, same request",
                    what, code.name, details, attempt, self._retry.attempts,
                    delay)
                time.sleep(delay)


def _error_for(code: grpc.StatusCode, details: str) -> PassclearError:
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidRequestError(details)
    if code in (grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.PERMISSION_DENIED):
        return NotAuthorizedError(code, details)
    return PassclearError(code, details)


def _timestamp(moment: datetime.datetime) -> timestamp_pb2.Timestamp:
    # A naive time would be taken as UTC: an hour or two off in France.
    if moment.tzinfo is None:
        raise ValueError(f"scan time {moment} has no time zone")
    timestamp = timestamp_pb2.Timestamp()
    timestamp.FromDatetime(moment)
    return timestamp
